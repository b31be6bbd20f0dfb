import FabricCore
import Testing
@testable import MembershipCore

/// Random event sequences over a few cores in the in-test network keep the invariants: a
/// view's incarnations never decrease; a member's own entry is never suspect or unreachable
/// in its own view (it refutes instead); every change of an entry follows the precedence
/// rules (SWIM §4.2), and a removed generation never comes back; and after the faults stop,
/// every running member sees every other running member alive. Prints the seed on failure.
@Suite struct PropertyTests {
    final class Checker: @unchecked Sendable {
        var previous: [NodeId: [NodeId: Member]] = [:]
        var retired: [NodeId: Set<String>] = [:]
        var violations: [String] = []

        func check(_ cluster: TestCluster, _ viewer: NodeId) {
            guard let core = cluster.nodes[viewer]?.core else { return }
            let key = "\(viewer)#\(core.me.generation)"
            var view: [NodeId: Member] = [:]
            for member in core.members { view[member.node] = member }
            let mine = core.myself
            if mine.status == .suspect || mine.status == .unreachable {
                violations.append("\(key) sees itself \(mine.status)")
            }
            let before = previous[viewer].flatMap { $0[viewer]?.identity.generation == core.me.generation ? $0 : nil } ?? [:]
            for (node, member) in view {
                if retired[viewer, default: []].contains("\(key) \(node)#\(member.identity.generation)") {
                    violations.append("\(key): removed \(node)#\(member.identity.generation) came back")
                }
                guard let old = before[node], old.identity.generation == member.identity.generation, old != member else { continue }
                if member.incarnation < old.incarnation {
                    violations.append("\(key): \(node) incarnation \(old.incarnation) -> \(member.incarnation)")
                }
                if !member.overrides(old) {
                    violations.append("\(key): \(node) \(old.status)@\(old.incarnation) -> \(member.status)@\(member.incarnation)")
                }
            }
            for (node, old) in before where view[node]?.identity.generation != old.identity.generation {
                retired[viewer, default: []].insert("\(key) \(node)#\(old.identity.generation)")
            }
            previous[viewer] = view
        }
    }

    @Test(arguments: (1...40).map { UInt64($0) * 11 })
    func randomFaultsKeepTheInvariants(seed: UInt64) {
        var driver = SeededRandom(seed: seed &* 7919)
        var cluster = TestCluster(configuration: .test, seed: seed)
        let checker = Checker()
        cluster.observer = { cluster, node in checker.check(cluster, node) }
        let names = ["a", "b", "c", "d", "e"]
        for name in names { cluster.add(name) }
        for name in names.dropFirst() {
            cluster.run(TestCluster.node(name)) { core, _, clock in
                core.onJoin(seeds: [TestCluster.node("a"): TestCluster.identity("a", generation: 0).address], now: clock)
            }
        }
        cluster.tick(.seconds(2))
        for _ in 0..<60 {
            let name = names.randomElement(using: &driver)!
            switch Int.random(in: 0..<12, using: &driver) {
            case 0: cluster.nodes[TestCluster.node(name)]?.crashed = true
            case 1:
                _ = cluster.restart(name)
                let seed = names.filter { $0 != name }.randomElement(using: &driver)!
                cluster.run(TestCluster.node(name)) { core, _, clock in
                    core.onJoin(seeds: [TestCluster.node(seed): TestCluster.identity(seed, generation: 0).address], now: clock)
                }
            case 2:
                let cut = Int.random(in: 1..<names.count, using: &driver)
                let shuffled = names.shuffled(using: &driver)
                cluster.partition([Array(shuffled[..<cut]), Array(shuffled[cut...])])
            case 3: cluster.heal()
            case 4: cluster.drop(from: name, to: names.randomElement(using: &driver)!)
            case 5: cluster.lossPercent = [0, 5, 10, 30].randomElement(using: &driver)!
            case 6:
                let target = TestCluster.node(names.randomElement(using: &driver)!)
                if let generation = cluster.nodes[TestCluster.node(name)]?.core.member(target)?.identity.generation {
                    cluster.run(TestCluster.node(name)) { core, _, clock in core.onDown(target, generation: generation, now: clock) }
                }
            case 7: cluster.run(TestCluster.node(name)) { core, random, clock in core.onLeave(now: clock, random: &random) }
            default: cluster.tick(.milliseconds(Int64.random(in: 50...2000, using: &driver)))
            }
        }
        // The faults stop: everything heals, crashed, downed and left members restart, and
        // every member joins through seed a once more (a shell retries its seeds: a member
        // whose only join went to a crashed seed is alone, and nothing in SWIM can find it).
        cluster.heal()
        cluster.lossPercent = 0
        for name in names {
            let node = TestCluster.node(name)
            guard let entry = cluster.nodes[node], entry.crashed || entry.core.myself.status.isTerminal else { continue }
            _ = cluster.restart(name)
        }
        for name in names {
            let seed = name == "a" ? "b" : "a"
            cluster.run(TestCluster.node(name)) { core, _, clock in
                core.onJoin(seeds: [TestCluster.node(seed): TestCluster.identity(seed, generation: 0).address], now: clock)
            }
        }
        cluster.tick(.seconds(60))
        #expect(checker.violations.isEmpty, "seed \(seed): \(checker.violations.prefix(5))")
        for viewer in names {
            let core = cluster.core(viewer)
            for other in names where other != viewer {
                let expected = cluster.core(other).me
                let seen = core.member(TestCluster.node(other))
                #expect(seen?.identity == expected && seen?.status == .alive,
                    "seed \(seed): \(viewer) sees \(other) as \(seen.map(TestCluster.describe) ?? "nothing"), it is g\(expected.generation)")
            }
        }
    }
}
