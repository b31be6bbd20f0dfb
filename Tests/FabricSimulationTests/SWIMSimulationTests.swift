import FabricCore
import FabricSimulation
import MembershipCore
import Testing

/// The real MembershipCore under the simulator: its invariants hold under loss, partitions,
/// one-way cuts, pauses and crashes; a crash is detected by all; a partition heals.
@Suite struct SWIMSimulationTests {
    /// 7 members (test profile: 200 ms periods) under 2 % loss and a random fault every 3 s
    /// (partitions, isolation, one-way cuts, pauses, crash-and-restart; at most 2 members down
    /// at once) for 40 s, then a 30 s fault-free tail without loss: no false declaration, growing
    /// incarnations, dead members detected, convergence at the end.
    @Test func membersUnderLossPartitionsAndPausesKeepTheInvariants() throws {
        try forEachSeed(defaultCount: 3) { seed in
            let configuration = SWIMConfiguration.test
            let simulation = SWIMCluster.simulation(seed: seed, members: 7, configuration: configuration)
            simulation.network.loss = 0.02
            simulation.inject(FaultPlan(
                begin: .seconds(3), end: .seconds(40), meanGap: .seconds(3), duration: .milliseconds(500)...(.seconds(6)),
                weights: .init(degrade: 0), nodesDownMax: 2))
            SWIMCluster.addInvariants(to: simulation, bounds: SWIMBounds(configuration: configuration, members: 7))
            var declarations = 0
            simulation.onObserve = { event, _, _ in if event.kind == .unreachable { declarations += 1 } }
            try simulation.run(for: .seconds(46))
            simulation.network.loss = 0
            try simulation.run(for: .seconds(30))
            try simulation.finish()
            #expect(declarations > 0, "seed \(seed): the faults made no one unreachable; the run proved nothing")
        }
    }

    /// A crashed member is declared unreachable by every other, within the detection bound.
    @Test func aCrashIsDetectedByAll() throws {
        try forEachSeed(defaultCount: 2) { seed in
            let configuration = SWIMConfiguration.lan
            let members = 8
            let simulation = SWIMCluster.simulation(seed: seed, members: members, configuration: configuration)
            let bounds = SWIMBounds(configuration: configuration, members: members)
            SWIMCluster.addInvariants(to: simulation, bounds: bounds)
            let victim = SWIMCluster.member(5)
            var declaredBy: [NodeId: Instant] = [:]
            simulation.onObserve = { event, observer, time in
                if event.kind == .unreachable, event.member.node == victim { declaredBy[observer] = declaredBy[observer] ?? time }
            }
            try simulation.run(for: .seconds(10))
            simulation.crash(victim)
            try simulation.run(for: bounds.detectionBound + .seconds(2))
            try simulation.finish()
            #expect(declaredBy.count == members - 1, "seed \(seed): declared by \(declaredBy.keys.sorted())")
            for (observer, time) in declaredBy {
                #expect(time.duration(since: .zero + .seconds(10)) <= bounds.detectionBound, "seed \(seed): \(observer)")
            }
        }
    }

    /// A 4|5 partition: each side declares the other unreachable; after the heal every view
    /// converges (every member alive everywhere).
    @Test func aPartitionHealsAndConverges() throws {
        try forEachSeed(defaultCount: 2) { seed in
            let configuration = SWIMConfiguration.test
            let simulation = SWIMCluster.simulation(seed: seed, members: 9, configuration: configuration)
            SWIMCluster.addInvariants(to: simulation, bounds: SWIMBounds(configuration: configuration, members: 9))
            let left = SWIMCluster.members(4), right = Array(SWIMCluster.members(9).dropFirst(4))
            var crossDeclarations: Set<[NodeId]> = []
            simulation.onObserve = { event, observer, _ in
                guard event.kind == .unreachable else { return }
                if left.contains(observer) != left.contains(event.member.node) { crossDeclarations.insert([observer, event.member.node]) }
            }
            try simulation.run(for: .seconds(5))
            simulation.partition(left, right)
            try simulation.run(for: .seconds(20))
            #expect(crossDeclarations.count == 2 * left.count * right.count, "seed \(seed): \(crossDeclarations.count) pairs")
            simulation.heal()
            try simulation.run(for: .seconds(20))
            try simulation.finish()
        }
    }

    /// A restarted member comes back with the next generation and replaces its old entry everywhere.
    @Test func aRestartedMemberRejoinsWithANewGeneration() throws {
        let configuration = SWIMConfiguration.test
        let simulation = SWIMCluster.simulation(seed: 7, members: 6, configuration: configuration)
        SWIMCluster.addInvariants(to: simulation, bounds: SWIMBounds(configuration: configuration, members: 6))
        let member = SWIMCluster.member(4)
        try simulation.run(for: .seconds(5))
        simulation.crash(member)
        try simulation.run(for: .seconds(3))
        simulation.restart(member)
        try simulation.run(for: .seconds(20))
        try simulation.finish()
        for index in 0..<6 where index != 4 {
            let entry = try #require(simulation.node(at: index)?.core.member(member))
            #expect(entry.identity.generation == 1 && entry.status == .alive, "m\(index) holds \(entry)")
        }
    }
}
