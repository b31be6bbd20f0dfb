import FabricCore
import Testing
@testable import MembershipCore

/// Graceful leave and downing decisions: the terminal states.
@Suite struct LeaveDownTests {
    /// A leave is left(incarnation + 1), sent at once to `leaveFanout` members carrying it,
    /// and the member stops probing.
    @Test func leaveSpreadsAtOnce() {
        var core = Fixture.core("a", knowing: (0..<10).map { "n\($0)" })
        var random = SeededRandom(seed: 1)
        let out = core.onLeave(now: Fixture.start, random: &random)
        let left = Fixture.member("a", .left, 1)
        #expect(core.myself == left)
        #expect(Fixture.events(out).map(\.kind) == [.left])
        let sends = Fixture.sends(out)
        #expect(sends.count == SWIMConfiguration.lan.leaveFanout)
        #expect(sends.allSatisfy { $0.message.header.gossip.contains(MemberUpdate(member: left, reporter: Fixture.node("a"))) })
        let later = core.onTimer(now: core.nextProbeAt, random: &random)
        #expect(Fixture.sends(later).allSatisfy { if case .ping = $0.message { false } else { true } })
        #expect(core.onLeave(now: Fixture.start, random: &random).isEmpty)
    }

    /// Others mark it left, never probe it, and remove it when its tombstone expires.
    @Test func leftMemberIsRemovedAfterItsTombstone() {
        var core = Fixture.core("a", knowing: ["b"])
        var random = SeededRandom(seed: 1)
        let out = core.onMessage(.gossip(Fixture.header(from: Fixture.member("b", .left, 1))), now: Fixture.start, random: &random)
        #expect(Fixture.events(out).map(\.kind) == [.left])
        #expect(core.nextProbeTarget(random: &random) == nil)
        _ = core.onTimer(now: Fixture.start + .seconds(29), random: &random)
        #expect(core.member(Fixture.node("b"))?.status == .left)
        let removal = core.onTimer(now: Fixture.start + .seconds(30), random: &random)
        #expect(Fixture.events(removal).map(\.kind) == [.removed])
        #expect(core.member(Fixture.node("b")) == nil)
        // Late gossip about the removed generation does not bring it back.
        _ = core.onMessage(.gossip(Fixture.header(from: Fixture.member("c"), gossip: [Fixture.update(Fixture.member("b", .alive, 5), by: "c")])), now: Fixture.start + .seconds(31), random: &random)
        #expect(core.member(Fixture.node("b")) == nil)
    }

    /// `onDown` marks the member down, queues it and tells the member; a wrong generation is counted.
    @Test func downIsGossipedAndToldToTheMember() throws {
        var core = Fixture.core("a", knowing: ["b", "c"])
        var random = SeededRandom(seed: 1)
        #expect(core.onDown(Fixture.node("b"), generation: 7, now: Fixture.start).isEmpty)
        #expect(core.counters.ignoredDownUnknown == 1)
        let out = core.onDown(Fixture.node("b"), generation: 1, now: Fixture.start)
        #expect(core.member(Fixture.node("b"))?.status == .down)
        #expect(Fixture.events(out).map(\.kind) == [.down])
        let (notice, to) = try #require(Fixture.sends(out).first)
        #expect(to == Fixture.node("b"))
        #expect(notice.header.gossip.first?.member == Fixture.member("b", .down, 0))
        // A down member is not probed, and a refutation cannot bring it back.
        _ = core.onMessage(.gossip(Fixture.header(from: Fixture.member("b", .alive, 9))), now: Fixture.start, random: &random)
        #expect(core.member(Fixture.node("b"))?.status == .down)
        #expect(core.counters.downNoticesSent == 2)  // it talked while down: told again
    }

    /// A member that hears it is down (its own generation) knows it: an event about itself, no more probes.
    @Test func aDownMemberLearnsItIsDown() {
        var core = Fixture.core("b", knowing: ["a", "c"])
        var random = SeededRandom(seed: 1)
        let out = core.onMessage(.gossip(Fixture.header(from: Fixture.member("a"), gossip: [Fixture.update(Fixture.member("b", .down, 0), by: "a")])), now: Fixture.start, random: &random)
        #expect(Fixture.events(out) == [MembershipEvent(kind: .down, member: Fixture.member("b", .down, 0))])
        #expect(core.myself.status == .down)
        let later = core.onTimer(now: core.nextProbeAt, random: &random)
        #expect(Fixture.sends(later).isEmpty)
        // About another generation of itself (an older process): ignored.
        var fresh = Fixture.core("b", knowing: ["a"])
        _ = fresh.onMessage(.gossip(Fixture.header(from: Fixture.member("a"), gossip: [Fixture.update(Fixture.member("b", .down, 0, generation: 9), by: "a")])), now: Fixture.start, random: &random)
        #expect(fresh.myself.status == .alive && fresh.counters.ignoredAboutOtherSelf == 1)
    }
}
