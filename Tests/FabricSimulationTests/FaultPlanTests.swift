import FabricCore
import FabricSimulation
import Testing

/// Random faults from the seed: they happen, keep within the plan's bound of nodes down, and are
/// all undone by `end + duration.upperBound`.
@Suite struct FaultPlanTests {
    /// At most `limit` nodes paused or crashed at any event, and counts what it saw.
    final class Seen { var paused = 0, crashed = 0, split = 0 }
    struct NodesDownAtMost: SimulationInvariant {
        typealias Node = RumorNode
        let name = "nodes down at most the plan's bound"
        let limit: Int
        let seen: Seen
        func check(_ view: SimulationView<RumorNode>) -> String? {
            let faults = view.faults
            let paused = view.nodeIDs.filter { faults.status(of: $0) == .paused }.count
            let crashed = view.nodeIDs.filter { faults.status(of: $0) == .crashed }.count
            if paused > 0 { seen.paused += 1 }
            if crashed > 0 { seen.crashed += 1 }
            if faults.splitSince != nil { seen.split += 1 }
            return paused + crashed > limit ? "\(paused) paused and \(crashed) crashed at \(view.time)" : nil
        }
    }

    @Test func faultsHappenWithinBoundsAndAreAllUndone() throws {
        try forEachSeed(defaultCount: 3) { seed in
            let simulation = rumorSimulation(seed: seed, count: 9)
            let plan = FaultPlan(begin: .seconds(1), end: .seconds(60), meanGap: .seconds(2),
                                 duration: .milliseconds(500)...(.seconds(3)), nodesDownMax: 2)
            simulation.inject(plan)
            let seen = Seen()
            simulation.add(NodesDownAtMost(limit: 2, seen: seen))
            try simulation.run(until: .at(.seconds(63) + .milliseconds(1)))
            #expect(seen.paused > 0 && seen.crashed > 0 && seen.split > 0, "seed \(seed): faults seen \(seen.paused) \(seen.crashed) \(seen.split)")
            #expect(simulation.faults.splitSince == nil, "seed \(seed)")
            #expect(simulation.nodeIDs.allSatisfy { simulation.faults.status(of: $0) == .up }, "seed \(seed)")
            #expect(simulation.nodeIDs.contains { simulation.faults.generation(of: $0) > 0 }, "seed \(seed): nothing restarted")
        }
    }

    /// The bound is real: with more allowed, more go down at once somewhere in the run.
    @Test func theBoundIsWhatHoldsThemBack() throws {
        let simulation = rumorSimulation(seed: 17, count: 9)
        simulation.inject(FaultPlan(end: .seconds(60), meanGap: .milliseconds(300), duration: .seconds(2)...(.seconds(3)),
                                    weights: .init(partition: 0, isolate: 0, oneWayCut: 0, pause: 1, crash: 1, degrade: 0),
                                    nodesDownMax: 4))
        simulation.add(NodesDownAtMost(limit: 2, seen: Seen()))
        #expect(throws: SimulationFailure.self) { try simulation.run(for: .seconds(60)) }
    }
}
