import FabricCore
import FabricSimulation
import Testing

/// Toy protocol 3: a paused node runs nothing; on resume it sees the messages that waited for it
/// in order, and its overdue timer once, in the configured order.
@Suite struct PauseResumeTests {
    func pausedRun(order: SimulationResumeOrder, preservesOrder: Bool, jitter: Duration = .milliseconds(5)) throws -> EventLog<StreamNode.Event> {
        var configuration = SimulationConfiguration()
        configuration.network = LinkConditions(latency: .milliseconds(2), jitter: jitter, preservesOrder: preservesOrder)
        configuration.resumeOrder = order
        let (simulation, log) = streamSimulation(seed: 11, configuration: configuration)
        let receiver = simulation.nodeIDs[1]
        simulation.at(.milliseconds(1_050)) { $0.pause(receiver) }
        simulation.at(.milliseconds(2_000)) { simulation in
            #expect(simulation.faults.status(of: receiver) == .paused)
            #expect(simulation.faults.statusSince(of: receiver) == .at(.milliseconds(1_050)))
            simulation.resume(receiver)
        }
        try simulation.run(until: .at(.seconds(3)))
        return log
    }

    @Test func nothingRunsWhilePausedAndHeldMessagesComeInOrder() throws {
        let log = try pausedRun(order: .messagesFirst, preservesOrder: true)
        let receiver = NodeId(uncheckedValid: "n1")
        let whilePaused = log.entries.filter {
            $0.node == receiver && $0.time > .at(.milliseconds(1_050)) && $0.time < .at(.seconds(2))
        }
        #expect(whilePaused.isEmpty, "the paused node ran: \(whilePaused.map(\.event))")
        let numbers = log.entries.compactMap { entry -> Int? in
            if case .received(let number) = entry.event { return number } else { return nil }
        }
        #expect(numbers == Array(1...numbers.count), "numbers out of order or missing: \(numbers)")
        #expect(numbers.count >= 290)
        let atResume = log.entries.filter { $0.time == .at(.seconds(2)) }.map(\.event)
        let heldCount = atResume.filter { if case .received = $0 { true } else { false } }.count
        #expect(heldCount >= 90, "about 95 numbers waited, \(heldCount) came at the resume")
        #expect(atResume.last == .tick(due: .at(.milliseconds(1_100))),
                "messages first, then the overdue tick (due 1.1 s) once: \(atResume.suffix(3))")
        #expect(atResume.filter { if case .tick = $0 { true } else { false } }.count == 1)
    }

    @Test func timersFirstWakesBeforeTheHeldMessages() throws {
        let log = try pausedRun(order: .timersFirst, preservesOrder: true)
        let atResume = log.entries.filter { $0.time == .at(.seconds(2)) }.map(\.event)
        #expect(atResume.first == .tick(due: .at(.milliseconds(1_100))), "\(atResume.prefix(3))")
        #expect(atResume.count > 90)
    }

    /// Without `preservesOrder`, jitter wider than the gap between sends reorders: the stream is a
    /// permutation, not in order; with it, the same jitter keeps the order.
    @Test func jitterReordersUnlessTheLinkPreservesOrder() throws {
        let ordered = try pausedRun(order: .messagesFirst, preservesOrder: true, jitter: .milliseconds(25))
        let inOrder = ordered.entries.compactMap { entry -> Int? in
            if case .received(let number) = entry.event { return number } else { return nil }
        }
        #expect(inOrder == Array(1...inOrder.count))
        let log = try pausedRun(order: .messagesFirst, preservesOrder: false, jitter: .milliseconds(25))
        let numbers = log.entries.compactMap { entry -> Int? in
            if case .received(let number) = entry.event { return number } else { return nil }
        }
        #expect(numbers != numbers.sorted(), "25 ms of jitter on a 10 ms stream reordered nothing")
        #expect(numbers.sorted() == Array(1...numbers.count))
    }

    /// A node paused before its start runs it on resume.
    @Test func pausedBeforeStartStartsOnResume() throws {
        let (simulation, log) = streamSimulation(seed: 2, configuration: SimulationConfiguration())
        let receiver = simulation.nodeIDs[1]
        simulation.pause(receiver)
        simulation.at(.seconds(1)) { $0.resume(receiver) }
        try simulation.run(until: .at(.milliseconds(999)))
        #expect(!log.entries.contains { $0.node == receiver })
        try simulation.run(until: .at(.seconds(2)))
        let seen = log.entries.filter { $0.node == receiver }.map(\.event)
        #expect(seen.prefix(2) == [.started(generation: 0), .hello(from: NodeId(uncheckedValid: "n0"), generation: 0)],
                "the held hello reached the node before its start: \(seen.prefix(3))")
    }
}
