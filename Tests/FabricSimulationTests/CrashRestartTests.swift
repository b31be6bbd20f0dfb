import FabricCore
import FabricSimulation
import Testing

/// Toy protocol 4: a crash loses the node's state and what was on its way to it; a restart makes
/// a new node through the factory with the next generation and a new seed.
@Suite struct CrashRestartTests {
    @Test func restartMakesANewGenerationThroughTheFactory() throws {
        var contexts: [SimulatedNodeContext] = []
        let ids = nodeNames(3)
        var configuration = SimulationConfiguration()
        configuration.network = LinkConditions(latency: .milliseconds(30), jitter: .zero)
        let simulation = Simulation(seed: 5, nodes: ids, configuration: configuration) { context in
            contexts.append(context)
            return StreamNode(context: context, peers: ids)
        }
        let log = EventLog<StreamNode.Event>()
        simulation.onObserve = { event, node, time in log.entries.append((node, time, event)) }
        var lastStates: [(NodeId, Int)] = []
        simulation.onCrash = { id, node in lastStates.append((id, node.context.generation)) }
        simulation.at(.milliseconds(1_000)) { $0.crash(ids[1]) }
        simulation.at(.milliseconds(1_500)) { $0.restart(ids[1]) }
        try simulation.run(until: .at(.milliseconds(1_200)))
        #expect(simulation.node(ids[1]) == nil)
        #expect(simulation.faults.status(of: ids[1]) == .crashed)
        let lostWhileDown = simulation.figures.dropped(.crashed)
        #expect(lostWhileDown >= 19, "numbers sent to the crashed node: \(lostWhileDown) dropped")
        try simulation.run(until: .at(.seconds(2)))

        #expect(lastStates.map(\.0) == [ids[1]] && lastStates.map(\.1) == [0], "onCrash saw the dying node")
        #expect(contexts.map(\.id) == [ids[0], ids[1], ids[2], ids[1]])
        #expect(contexts.map(\.generation) == [0, 0, 0, 1])
        #expect(contexts[3].seed != contexts[1].seed)
        #expect(simulation.faults.generation(of: ids[1]) == 1)
        let restarted = simulation.node(ids[1])!
        #expect(restarted.context.generation == 1)
        #expect(log.entries.contains { $0.node == ids[0] && $0.event == .hello(from: ids[1], generation: 1) })
        let receivedByNew = log.entries.filter {
            if $0.node == ids[1], $0.time > .at(.milliseconds(1_500)), case .received = $0.event { true } else { false }
        }
        #expect(!receivedByNew.isEmpty, "the restarted node receives the stream again")
        let silent = log.entries.filter { $0.node == ids[1] && $0.time > .at(.seconds(1)) && $0.time < .at(.milliseconds(1_500)) }
        #expect(silent.isEmpty, "a crashed node observed \(silent.map(\.event))")
    }

    /// A message on its way when the destination crashes is lost even if it arrives after the
    /// restart (its connection was reset), while the sender's own in-flight messages still arrive.
    @Test func inFlightMessagesToACrashedNodeAreLost() throws {
        let ids = nodeNames(2)
        var configuration = SimulationConfiguration()
        configuration.network = LinkConditions(latency: .milliseconds(100), jitter: .zero)
        let (simulation, log) = streamSimulation(seed: 9, configuration: configuration)
        // Numbers are sent every 10 ms and take 100 ms. At 1.0 s the crash (scheduled first) runs
        // before number 90 arrives and before number 100 is sent: 90...100 are lost, eleven.
        simulation.at(.milliseconds(1_000)) { $0.crash(ids[1]) }
        simulation.at(.milliseconds(1_001)) { $0.restart(ids[1]) }
        try simulation.run(until: .at(.seconds(2)))
        let received = log.entries.compactMap { entry -> (Instant, Int)? in
            if entry.node == ids[1], case .received(let number) = entry.event { return (entry.time, number) } else { return nil }
        }
        let afterRestart = received.filter { $0.0 > .at(.milliseconds(1_001)) }.map(\.1)
        #expect(afterRestart.first == 101, "numbers 90...100 were in flight to the old life: \(afterRestart.prefix(3))")
        #expect(simulation.figures.dropped(.crashed) == 11)
    }

    @Test func crashOfAPausedNodeLosesItsHeldMessages() throws {
        let ids = nodeNames(2)
        let (simulation, _) = streamSimulation(seed: 4, configuration: SimulationConfiguration())
        simulation.at(.seconds(1)) { $0.pause(ids[1]) }
        simulation.at(.seconds(2)) { $0.crash(ids[1]) }
        try simulation.run(until: .at(.milliseconds(1_999)))
        #expect(simulation.figures.dropped(.crashed) == 0)
        try simulation.run(until: .at(.seconds(2)))
        #expect(simulation.figures.dropped(.crashed) >= 95)
    }
}
