import FabricCore
import FabricSimulation
import Testing

/// Toy protocol 1: a rumor flooded and pushed reaches everyone on a whole network, reaches no one
/// across a partition until it heals, and then reaches everyone.
@Suite struct RumorBroadcastTests {
    /// Fails when a node beyond the partition hears the rumor before the heal.
    struct NothingCrossesThePartition: SimulationInvariant {
        typealias Node = RumorNode
        let name = "nothing crosses the partition"
        let farSide: Set<NodeId>
        let healTime: Instant

        mutating func observe(_ event: RumorNode.Event, from node: NodeId, in view: SimulationView<RumorNode>) -> String? {
            guard farSide.contains(node), view.time < healTime else { return nil }
            return "\(node) heard the rumor at \(view.time), before the heal at \(healTime)"
        }

        func check(_ view: SimulationView<RumorNode>) -> String? { nil }
    }

    @Test func reachesEveryoneOnAWholeNetwork() throws {
        try forEachSeed { seed in
            var configuration = SimulationConfiguration()
            configuration.network = LinkConditions(latency: .milliseconds(1), jitter: .milliseconds(2), loss: 0.1)
            let simulation = rumorSimulation(seed: seed, count: 20, configuration: configuration)
            try simulation.run(for: .seconds(5))
            let informed = simulation.nodeIDs.filter { simulation.node($0)!.informed }
            #expect(informed.count == 20, "seed \(seed): informed \(informed)")
            #expect(simulation.figures.dropped(.loss) > 0, "seed \(seed): 10 % loss dropped nothing")
        }
    }

    @Test func doesNotCrossAPartitionUntilItHeals() throws {
        try forEachSeed { seed in
            let ids = nodeNames(5)
            let simulation = rumorSimulation(seed: seed, count: 5)
            simulation.partition([ids[0], ids[1]], [ids[2], ids[3], ids[4]])
            let healTime = Instant.at(.seconds(10))
            simulation.at(.seconds(10)) { $0.heal() }
            simulation.add(NothingCrossesThePartition(farSide: Set(ids[2...]), healTime: healTime))
            try simulation.run(until: .at(.seconds(9)))
            #expect(simulation.node(ids[1])!.informed, "seed \(seed): the near side did not hear")
            #expect(!simulation.node(ids[3])!.informed)
            #expect(simulation.figures.dropped(.partition) > 0)
            try simulation.run(until: .at(.seconds(12)))
            #expect(simulation.nodeIDs.allSatisfy { simulation.node($0)!.informed }, "seed \(seed): not all informed after the heal")
        }
    }

    /// The invariant above is not vacuous: without the partition it fails, and says so with the seed.
    @Test func theInvariantCatchesACrossingWithoutThePartition() throws {
        let ids = nodeNames(5)
        let simulation = rumorSimulation(seed: 7, count: 5)
        simulation.add(NothingCrossesThePartition(farSide: Set(ids[2...]), healTime: .at(.seconds(10))))
        let failure = try #require(throws: SimulationFailure.self) { try simulation.run(for: .seconds(1)) }
        #expect(failure.seed == 7)
        #expect(failure.reason == .invariantViolated("nothing crosses the partition"))
        #expect(failure.message.contains("heard the rumor"))
    }
}
