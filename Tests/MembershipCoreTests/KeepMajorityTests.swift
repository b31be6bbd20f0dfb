import FabricCore
import Testing
@testable import MembershipCore

/// The keep-majority resolver: who is downed, when, and what resets or cancels its windows.
@Suite struct KeepMajorityTests {
    static func node(_ name: String) -> NodeId { NodeId(uncheckedValid: name) }
    static func at(seconds: Double) -> Instant { Instant(nanoseconds: UInt64(seconds * 1e9)) }

    /// A view of `names`, those in `unreachable` unreachable, generation = index + 1.
    static func view(_ names: [String], unreachable: Set<String> = []) -> [KeepMajorityMember] {
        names.enumerated().map { index, name in
            KeepMajorityMember(node: node(name), generation: UInt64(index + 1), isReachable: !unreachable.contains(name))
        }
    }

    static func targets(_ names: [String], in all: [String]) -> [DowningTarget] {
        names.map { name in DowningTarget(node: node(name), generation: UInt64(all.firstIndex(of: name)! + 1)) }
    }

    static let five = ["a", "b", "c", "d", "e"]
    static let windowOnly = try! KeepMajorityConfiguration(stableAfter: .seconds(20), downAllWhenUnstable: .off)

    @Test func theMajorityDownsTheMinorityAfterStableAfterNotBefore() throws {
        var resolver = KeepMajority(selfNode: Self.node("a"))
        #expect(resolver.onView(Self.view(Self.five, unreachable: ["d", "e"]), now: Self.at(seconds: 100)) == [])
        #expect(resolver.nextDeadline == Self.at(seconds: 120))
        #expect(resolver.onTimer(now: Self.at(seconds: 110)) == [])
        #expect(resolver.onTimer(now: Self.at(seconds: 120) + .nanoseconds(-1)) == [])
        #expect(resolver.onTimer(now: Self.at(seconds: 120)) == [.down(Self.targets(["d", "e"], in: Self.five))])
        // Once per view.
        #expect(resolver.onTimer(now: Self.at(seconds: 200)) == [])
        #expect(resolver.nextDeadline == nil)
        // The shell applied it: the downed members left the view; nothing more to do.
        #expect(resolver.onView(Self.view(["a", "b", "c"]), now: Self.at(seconds: 121)) == [])
        #expect(resolver.nextDeadline == nil)
    }

    @Test func theMinorityDownsItselfAndSaysSo() throws {
        var resolver = KeepMajority(selfNode: Self.node("d"))
        _ = resolver.onView(Self.view(Self.five, unreachable: ["a", "b", "c"]), now: Self.at(seconds: 0))
        #expect(resolver.onTimer(now: Self.at(seconds: 19.999)) == [])
        let directives = resolver.onTimer(now: Self.at(seconds: 20))
        guard case .downSelf(let reason) = try #require(directives.first), directives.count == 1 else {
            Issue.record("expected downSelf, got \(directives)")
            return
        }
        #expect(reason.contains("minority") && reason.contains("2 reachable against 3 unreachable"), "\(reason)")
    }

    @Test func aTieGoesToTheSideWithTheLowestNode() throws {
        let six = ["a", "b", "c", "d", "e", "f"]
        // The sides {b, d, f} and {a, c, e}: a is the lowest, so a's side survives.
        var low = KeepMajority(selfNode: Self.node("c"))
        _ = low.onView(Self.view(six, unreachable: ["b", "d", "f"]), now: .zero)
        #expect(low.onTimer(now: Self.at(seconds: 20)) == [.down(Self.targets(["b", "d", "f"], in: six))])
        var high = KeepMajority(selfNode: Self.node("f"))
        _ = high.onView(Self.view(six, unreachable: ["a", "c", "e"]), now: .zero)
        let directives = high.onTimer(now: Self.at(seconds: 20))
        guard case .downSelf(let reason) = try #require(directives.first) else {
            Issue.record("expected downSelf, got \(directives)")
            return
        }
        #expect(reason.contains("tie") && reason.contains("lowest node a"), "\(reason)")
    }

    @Test func aFlappingMemberResetsTheWindow() {
        var resolver = KeepMajority(selfNode: Self.node("a"), configuration: Self.windowOnly)
        _ = resolver.onView(Self.view(Self.five, unreachable: ["d", "e"]), now: Self.at(seconds: 0))
        // d comes back at 10 s and goes again at 15 s: the window restarts at each change.
        #expect(resolver.onView(Self.view(Self.five, unreachable: ["e"]), now: Self.at(seconds: 10)) == [])
        #expect(resolver.onView(Self.view(Self.five, unreachable: ["d", "e"]), now: Self.at(seconds: 15)) == [])
        #expect(resolver.onTimer(now: Self.at(seconds: 20)) == [])
        #expect(resolver.onTimer(now: Self.at(seconds: 30)) == [])
        #expect(resolver.nextDeadline == Self.at(seconds: 35))
        #expect(resolver.onTimer(now: Self.at(seconds: 35)) == [.down(Self.targets(["d", "e"], in: Self.five))])
    }

    @Test func anIdenticalViewDoesNotResetTheWindow() {
        var resolver = KeepMajority(selfNode: Self.node("a"))
        _ = resolver.onView(Self.view(Self.five, unreachable: ["e"]), now: Self.at(seconds: 0))
        // The same view again, members in another order: nothing changed.
        let shuffled = Array(Self.view(Self.five, unreachable: ["e"]).reversed())
        #expect(resolver.onView(shuffled, now: Self.at(seconds: 19)) == [])
        #expect(resolver.onView(shuffled, now: Self.at(seconds: 20)) == [.down(Self.targets(["e"], in: Self.five))])
    }

    @Test func anyChangeOfTheViewResetsTheWindow() {
        var resolver = KeepMajority(selfNode: Self.node("a"), configuration: Self.windowOnly)
        _ = resolver.onView(Self.view(Self.five, unreachable: ["e"]), now: Self.at(seconds: 0))
        // A member joins at 10 s: the view changed, the window restarts.
        _ = resolver.onView(Self.view(Self.five + ["f"], unreachable: ["e"]), now: Self.at(seconds: 10))
        #expect(resolver.onTimer(now: Self.at(seconds: 20)) == [])
        // b restarted with a new generation at 25 s: changed again.
        var restarted = Self.view(Self.five + ["f"], unreachable: ["e"])
        restarted[1] = KeepMajorityMember(node: Self.node("b"), generation: 99, isReachable: true)
        _ = resolver.onView(restarted, now: Self.at(seconds: 25))
        #expect(resolver.onTimer(now: Self.at(seconds: 30)) == [])
        #expect(resolver.onTimer(now: Self.at(seconds: 45)) == [.down([DowningTarget(node: Self.node("e"), generation: 5)])])
    }

    @Test func reachabilityComingBackCancels() {
        var resolver = KeepMajority(selfNode: Self.node("a"))
        _ = resolver.onView(Self.view(Self.five, unreachable: ["d", "e"]), now: Self.at(seconds: 0))
        #expect(resolver.onView(Self.view(Self.five), now: Self.at(seconds: 19)) == [])
        #expect(resolver.nextDeadline == nil && resolver.unreachableSince == nil)
        #expect(resolver.onTimer(now: Self.at(seconds: 20)) == [])
        #expect(resolver.onTimer(now: Self.at(seconds: 1000)) == [])
        // A new partition later starts from scratch.
        _ = resolver.onView(Self.view(Self.five, unreachable: ["e"]), now: Self.at(seconds: 1000))
        #expect(resolver.nextDeadline == Self.at(seconds: 1020))
    }

    @Test func aSingleMemberViewNeverDecides() {
        var resolver = KeepMajority(selfNode: Self.node("solo"))
        #expect(resolver.onView(Self.view(["solo"]), now: .zero) == [])
        #expect(resolver.onView([], now: Self.at(seconds: 1)) == [])
        #expect(resolver.view.map(\.node) == [Self.node("solo")])
        #expect(resolver.nextDeadline == nil)
        #expect(resolver.onTimer(now: Self.at(seconds: 10_000)) == [])
        // Listed as unreachable by mistake, this node still counts as reachable to itself.
        #expect(resolver.onView(Self.view(["solo"], unreachable: ["solo"]), now: Self.at(seconds: 2)) == [])
        #expect(resolver.onTimer(now: Self.at(seconds: 10_000)) == [])
    }

    @Test func twoMembersOneUnreachableIsATie() {
        // 1 against 1: the lowest node (a) keeps running, b downs itself.
        var a = KeepMajority(selfNode: Self.node("a"))
        _ = a.onView(Self.view(["a", "b"], unreachable: ["b"]), now: .zero)
        #expect(a.onTimer(now: Self.at(seconds: 20)) == [.down(Self.targets(["b"], in: ["a", "b"]))])
        var b = KeepMajority(selfNode: Self.node("b"))
        _ = b.onView(Self.view(["a", "b"], unreachable: ["a"]), now: .zero)
        #expect(b.onTimer(now: Self.at(seconds: 20)).count == 1)
        if case .downSelf = b.onTimer(now: Self.at(seconds: 20)).first { Issue.record("decided twice") }
    }

    @Test func duplicatesKeepTheNewestGeneration() {
        var resolver = KeepMajority(selfNode: Self.node("a"))
        let members = [
            KeepMajorityMember(node: Self.node("a"), generation: 1, isReachable: true),
            KeepMajorityMember(node: Self.node("b"), generation: 7, isReachable: false),
            KeepMajorityMember(node: Self.node("b"), generation: 9, isReachable: false),
            KeepMajorityMember(node: Self.node("c"), generation: 3, isReachable: false),
            KeepMajorityMember(node: Self.node("c"), generation: 3, isReachable: true),
            KeepMajorityMember(node: Self.node("d"), generation: 4, isReachable: true),
        ]
        _ = resolver.onView(members, now: .zero)
        #expect(resolver.view.count == 4)
        #expect(resolver.onTimer(now: Self.at(seconds: 20)) == [.down([DowningTarget(node: Self.node("b"), generation: 9)])])
    }

    @Test func downAllWhenTheViewNeverSettles() throws {
        var resolver = KeepMajority(selfNode: Self.node("a"))  // 20 s + 15 s
        var off = KeepMajority(selfNode: Self.node("a"), configuration: Self.windowOnly)
        var collected: [DowningDirective] = []
        // e stays unreachable from 0 s; d flaps every 5 s, so the view never holds 20 s.
        for step in 0...20 {
            let time = Self.at(seconds: Double(step) * 5)
            let view = Self.view(Self.five, unreachable: step % 2 == 0 ? ["e"] : ["d", "e"])
            let directives = resolver.onView(view, now: time)
            // At 35 s; then, since this test never applies it and the view keeps changing, the
            // window starts again from the next unreachable view (40 s) and ends at 75 s.
            if !directives.isEmpty {
                #expect(time == Self.at(seconds: 35) || time == Self.at(seconds: 75), "down-all at \(time)")
            }
            if time == Self.at(seconds: 35) { collected += directives }
            #expect(off.onView(view, now: time) == [])
        }
        #expect(collected.count == 2)
        #expect(collected.first == .down(Self.targets(["b", "c", "d", "e"], in: Self.five)))
        guard case .downSelf(let reason) = try #require(collected.last) else {
            Issue.record("expected downSelf last, got \(collected)")
            return
        }
        #expect(reason.contains("kept changing"), "\(reason)")
    }

    @Test func theDownAllDeadlineIsOffered() throws {
        var resolver = KeepMajority(selfNode: Self.node("a"))
        _ = resolver.onView(Self.view(Self.five, unreachable: ["e"]), now: Self.at(seconds: 0))
        _ = resolver.onView(Self.view(Self.five, unreachable: ["d", "e"]), now: Self.at(seconds: 30))
        // stable at 50 s, but down-all at 0 + 20 + 15 = 35 s comes first.
        #expect(resolver.nextDeadline == Self.at(seconds: 35))
        #expect(resolver.onTimer(now: Self.at(seconds: 35)).count == 2)
        #expect(resolver.nextDeadline == nil)
    }

    @Test func anOversizedViewIsRefusedAndForgetsTheWindow() {
        var resolver = KeepMajority(selfNode: Self.node("a"))
        _ = resolver.onView(Self.view(Self.five, unreachable: ["e"]), now: .zero)
        let huge = (0...Limits.downingViewMembersMax).map {
            KeepMajorityMember(node: Self.node("n\($0)"), generation: 1, isReachable: false)
        }
        #expect(resolver.onView(huge, now: Self.at(seconds: 1)) == [.viewRefused(memberCount: Limits.downingViewMembersMax + 1)])
        #expect(resolver.refusedViews == 1)
        #expect(resolver.nextDeadline == nil)
        #expect(resolver.onTimer(now: Self.at(seconds: 100)) == [])
        let atLimit = Array(huge.prefix(Limits.downingViewMembersMax))
        #expect(resolver.onView(atLimit, now: Self.at(seconds: 2)) == [])
        #expect(resolver.view.count == Limits.downingViewMembersMax + 1)  // plus this node
    }

    @Test func stableAfterScalesWithClusterSize() {
        let expectations: [(Int, Duration)] = [
            (0, .seconds(5)), (1, .seconds(5)), (3, .seconds(5)), (5, .milliseconds(6990)),
            (10, .seconds(10)), (20, .milliseconds(13_010)), (50, .milliseconds(16_990)),
            (100, .seconds(20)), (1000, .seconds(30)),
        ]
        for (count, expected) in expectations {
            #expect(KeepMajorityConfiguration.recommendedStableAfter(memberCount: count) == expected, "\(count) members")
        }
        let scaled = KeepMajorityConfiguration.scaled(forMemberCount: 100)
        #expect(scaled.stableAfter == .seconds(20) && scaled.downAllWhenUnstable == .seconds(15))
        #expect(KeepMajorityConfiguration.standard == scaled)
    }

    @Test func configurationsAreValidated() throws {
        #expect(throws: FabricError.self) { try KeepMajorityConfiguration(stableAfter: .zero) }
        #expect(throws: FabricError.self) {
            try KeepMajorityConfiguration(stableAfter: .seconds(1), downAllWhenUnstable: .after(.seconds(-1)))
        }
        #expect(try KeepMajorityConfiguration(stableAfter: .seconds(8)).downAllWhenUnstable == .seconds(6))
        #expect(try KeepMajorityConfiguration(downAllWhenUnstable: .off).downAllWhenUnstable == nil)
        #expect(try KeepMajorityConfiguration() == .standard)
    }
}
