import FabricCore
import Testing
@testable import MembershipCore

/// Properties of the keep-majority resolver over random partitions and random view histories
/// (seeded; the seed is in every failure message).
@Suite struct KeepMajorityPropertyTests {
    static func node(_ index: Int) -> NodeId { NodeId(uncheckedValid: "n\(index < 10 ? "0" : "")\(index)") }

    /// A clean partition, both sides stable: exactly one side survives, and each side's
    /// members agree on it.
    @Test(arguments: 0..<300)
    func exactlyOneSideOfAPartitionSurvives(seedIndex: Int) {
        let seed = 0xD0_0000 + UInt64(seedIndex)
        var random = SeededRandom(seed: seed)
        let count = Int.random(in: 2...30, using: &random)
        let sideOf = (0..<count).map { _ in Bool.random(using: &random) }
        guard sideOf.contains(true), sideOf.contains(false) else { return }
        var survivors: Set<Bool> = []
        var losers: Set<Bool> = []
        for member in 0..<count {
            let view = (0..<count).map {
                KeepMajorityMember(node: Self.node($0), generation: UInt64($0) + 1, isReachable: sideOf[$0] == sideOf[member])
            }
            var resolver = KeepMajority(selfNode: Self.node(member))
            _ = resolver.onView(view, now: .zero)
            let directives = resolver.onTimer(now: .zero + .seconds(20))
            #expect(directives.count == 1, "seed \(seed): \(directives)")
            switch directives.first {
            case .down(let targets):
                survivors.insert(sideOf[member])
                let expected = (0..<count).filter { sideOf[$0] != sideOf[member] }
                #expect(targets.map(\.node) == expected.map(Self.node), "seed \(seed)")
            case .downSelf:
                losers.insert(sideOf[member])
            case .viewRefused, nil:
                Issue.record("seed \(seed): \(directives)")
            }
        }
        #expect(survivors.count == 1 && losers.count == 1 && survivors != losers, "seed \(seed): survivors \(survivors), losers \(losers)")
        let survivingSize = sideOf.filter { $0 == survivors.first }.count
        #expect(survivingSize * 2 >= count, "seed \(seed): a side of \(survivingSize) of \(count) survived")
    }

    /// Random view histories: the resolver decides only on a view unchanged for stableAfter
    /// (or, with down-all, after the unstable window), never with everyone reachable, and a
    /// majority decision downs only unreachable members.
    @Test(arguments: 0..<100)
    func decisionsOnlyOnStableViews(seedIndex: Int) throws {
        let seed = 0x5AB1E_0000 + UInt64(seedIndex)
        var random = SeededRandom(seed: seed)
        let count = Int.random(in: 1...9, using: &random)
        let downAll = Bool.random(using: &random)
        let configuration = try KeepMajorityConfiguration(
            stableAfter: .seconds(10), downAllWhenUnstable: downAll ? .after(.seconds(5)) : .off)
        var resolver = KeepMajority(selfNode: Self.node(0), configuration: configuration)
        var reachable = Array(repeating: true, count: count)
        var lastChange: Instant?
        var unreachableSince: Instant?
        var lastView: [Bool] = reachable
        var now = Instant.zero
        for step in 0..<400 {
            now = now + .milliseconds(Int.random(in: 0...4000, using: &random))
            var directives: [DowningDirective]
            if Int.random(in: 0..<3, using: &random) == 0 {
                directives = resolver.onTimer(now: now)
            } else {
                if count > 1, Bool.random(using: &random) {
                    reachable[Int.random(in: 1..<count, using: &random)].toggle()
                }
                if reachable != lastView {
                    lastChange = now
                    if reachable.allSatisfy({ $0 }) { unreachableSince = nil } else if unreachableSince == nil { unreachableSince = now }
                    lastView = reachable
                }
                let view = (0..<count).map {
                    KeepMajorityMember(node: Self.node($0), generation: 1, isReachable: reachable[$0])
                }
                directives = resolver.onView(view, now: now)
            }
            guard !directives.isEmpty else { continue }
            #expect(!reachable.allSatisfy { $0 }, "seed \(seed) step \(step): decided with everyone reachable")
            let stable = lastChange.map { now.duration(since: $0) >= .seconds(10) } ?? false
            let unstableLong = downAll && (unreachableSince.map { now.duration(since: $0) >= .seconds(15) } ?? false)
            #expect(stable || unstableLong, "seed \(seed) step \(step): decided on a view \(lastChange.map { now.duration(since: $0) } as Any) old")
            if directives.count == 1, case .down(let targets) = directives[0] {
                #expect(targets.allSatisfy { target in !reachable[Int(target.node.name.dropFirst())!] },
                        "seed \(seed) step \(step): downed a reachable member")
            }
            // A decision restarts the unstable window, as the resolver documents.
            unreachableSince = nil
        }
    }
}
