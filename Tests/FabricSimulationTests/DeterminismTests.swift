import FabricCore
import FabricSimulation
import Testing

/// The same seed gives the identical run (the FNV-1a hash of every trace record, and the figures);
/// different seeds give different runs.
@Suite struct DeterminismTests {
    func faultyRun(seed: UInt64) throws -> (hash: UInt64, figures: SimulationFigures) {
        var configuration = SimulationConfiguration()
        configuration.network = LinkConditions(latency: .milliseconds(1), jitter: .milliseconds(4), loss: 0.05, duplication: 0.02)
        let simulation = rumorSimulation(seed: seed, count: 12, configuration: configuration)
        simulation.inject(FaultPlan(begin: .milliseconds(100), end: .seconds(20), meanGap: .seconds(1),
                                    duration: .milliseconds(100)...(.seconds(2)), nodesDownMax: 2))
        try simulation.run(for: .seconds(25))
        return (simulation.traceHash, simulation.figures)
    }

    @Test func theSameSeedGivesTheSameTrace() throws {
        try forEachSeed(defaultCount: 3) { seed in
            let first = try faultyRun(seed: seed), second = try faultyRun(seed: seed)
            #expect(first.hash == second.hash, "seed \(seed)")
            #expect(first.figures.total == second.figures.total, "seed \(seed)")
            #expect(first.figures.perNode == second.figures.perNode, "seed \(seed)")
            #expect(first.figures.eventsProcessed == second.figures.eventsProcessed, "seed \(seed)")
        }
    }

    @Test func differentSeedsGiveDifferentTraces() throws {
        let hashes = try (1...5).map { try faultyRun(seed: UInt64($0)).hash }
        #expect(Set(hashes).count == hashes.count, "\(hashes)")
    }

    /// The hash is FNV-1a 64 over the records, computed here by hand for a two-record run; the value
    /// must not change between processes or releases (it is what a replay is compared against).
    @Test func theHashIsStableFNV1a() throws {
        var configuration = SimulationConfiguration()
        configuration.network = LinkConditions(latency: .milliseconds(1), jitter: .zero)
        let ids = nodeNames(2)
        let simulation = Simulation(seed: 1, nodes: ids, configuration: configuration) { context in
            PingNode(id: context.id, target: nil)
        }
        try simulation.run(for: .seconds(1))
        // Two starts at time 0: kind 0, node 0 and 1, peer -1, value 0 (generation).
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func feed(_ value: UInt64, _ bytes: Int) {
            var rest = value
            for _ in 0..<bytes {
                hash = (hash ^ (rest & 0xFF)) &* 0x100_0000_01B3
                rest >>= 8
            }
        }
        for node in [0, 1] as [UInt64] {
            feed(0, 8); feed(0, 1); feed(node, 4); feed(0xFFFF_FFFF, 4); feed(0, 8)
        }
        #expect(simulation.traceHash == hash)
        #expect(simulation.traceTail.map { $0.formatted(names: simulation.nodeIDs) }
                == ["+0.000000s start n0 (generation 0)", "+0.000000s start n1 (generation 0)"])
    }
}
