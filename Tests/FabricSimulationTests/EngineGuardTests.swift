import FabricCore
import FabricSimulation
import Testing

/// The engine's own bounds: a stuck node, a livelock, a message to no one, figures that add up,
/// invariants at their cadence, and `stop()`.
@Suite struct EngineGuardTests {
    /// A node whose deadline never moves on.
    struct StuckNode: SimulatedNode {
        typealias Message = Int
        typealias Event = Never
        var nextDeadline: Instant? { .zero }
        func start(now: Instant, random: inout SeededRandom, outbox: inout Outbox) {}
        func receive(_ message: Int, from sender: NodeId, now: Instant, random: inout SeededRandom, outbox: inout Outbox) {}
        func wake(now: Instant, random: inout SeededRandom, outbox: inout Outbox) {}
    }

    /// Answers every message at once, and starts by sending one to `peer` (or to a stranger).
    struct EchoNode: SimulatedNode {
        typealias Message = Int
        typealias Event = Never
        let peer: NodeId
        var nextDeadline: Instant? { nil }
        func start(now: Instant, random: inout SeededRandom, outbox: inout Outbox) {
            outbox.send(0, to: peer, bytes: 10)
        }
        func receive(_ message: Int, from sender: NodeId, now: Instant, random: inout SeededRandom, outbox: inout Outbox) {
            outbox.send(message + 1, to: sender, bytes: 10)
        }
        func wake(now: Instant, random: inout SeededRandom, outbox: inout Outbox) {}
    }

    @Test func aStuckNodeFailsTheRunWithItsName() throws {
        let simulation = Simulation(seed: 1, nodes: nodeNames(1)) { _ in StuckNode() }
        let failure = try #require(throws: SimulationFailure.self) { try simulation.run(for: .seconds(1)) }
        #expect(failure.reason == .nodeStuck(NodeId(uncheckedValid: "n0")))
        #expect(failure.time == .zero)
    }

    @Test func aLivelockExhaustsTheBudget() throws {
        var configuration = SimulationConfiguration()
        configuration.network = LinkConditions(latency: .zero, jitter: .zero)
        configuration.eventBudget = 10_000
        let ids = nodeNames(2)
        let simulation = Simulation(seed: 1, nodes: ids, configuration: configuration) { context in
            EchoNode(peer: ids[1 - context.index])
        }
        let failure = try #require(throws: SimulationFailure.self) { try simulation.run(for: .seconds(1)) }
        #expect(failure.reason == .eventBudgetExhausted)
        #expect(failure.eventsProcessed == 10_000)
    }

    @Test func aMessageToAStrangerIsDroppedAndCounted() throws {
        let simulation = Simulation(seed: 1, nodes: nodeNames(1)) { _ in EchoNode(peer: NodeId(uncheckedValid: "nobody")) }
        try simulation.run(for: .seconds(1))
        let figures = simulation.figures
        #expect(figures.dropped(.unknownDestination) == 1)
        #expect(figures.perNode[0].messagesDropped == 1)
        #expect(figures.perNode[0].bytesSent == 10)
        #expect(figures.simulatedTime == .seconds(1))
    }

    @Test func perNodeFiguresAddUpToTheTotal() throws {
        var configuration = SimulationConfiguration()
        configuration.network = LinkConditions(latency: .milliseconds(1), jitter: .milliseconds(3), loss: 0.1, duplication: 0.05)
        let simulation = rumorSimulation(seed: 8, count: 10, configuration: configuration)
        simulation.at(.seconds(1)) { $0.partition(Array($0.nodeIDs.prefix(3))) }
        try simulation.run(for: .seconds(3))
        let figures = simulation.figures
        func sum(_ key: KeyPath<SimulationTraffic, Int>) -> Int { figures.perNode.reduce(0) { $0 + $1[keyPath: key] } }
        #expect(sum(\.messagesSent) == figures.total.messagesSent)
        #expect(sum(\.bytesDelivered) == figures.total.bytesDelivered)
        #expect(sum(\.messagesDropped) == figures.total.messagesDropped)
        #expect(sum(\.messagesDuplicated) == figures.total.messagesDuplicated)
        #expect(SimulationDropReason.allCases.reduce(0) { $0 + figures.dropped($1) } == figures.total.messagesDropped)
        #expect(figures.total.bytesSent == 16 * figures.total.messagesSent)
    }

    /// Counts how often it is checked.
    struct CountingInvariant: SimulationInvariant {
        typealias Node = RumorNode
        let name = "counting"
        let cadence: SimulationInvariantCadence
        let checks: Counter
        func check(_ view: SimulationView<RumorNode>) -> String? {
            checks.value += 1
            return nil
        }
    }

    final class Counter { var value = 0 }

    @Test func invariantsRunAtTheirCadence() throws {
        let simulation = rumorSimulation(seed: 3, count: 5)
        let every = Counter(), tenth = Counter(), timed = Counter()
        simulation.add(CountingInvariant(cadence: .everyEvent, checks: every))
        simulation.add(CountingInvariant(cadence: .everyEvents(10), checks: tenth))
        simulation.add(CountingInvariant(cadence: .every(.milliseconds(500)), checks: timed))
        try simulation.run(for: .seconds(10))
        let events = Int(simulation.figures.eventsProcessed)
        #expect(every.value == events)
        #expect(tenth.value == events / 10)
        #expect((19...21).contains(timed.value), "checked \(timed.value) times in 10 s at 500 ms")
    }

    @Test func stopEndsTheRunAtTheStoppingEvent() throws {
        let simulation = rumorSimulation(seed: 3, count: 8)
        var heard = 0
        simulation.onObserve = { _, _, _ in
            heard += 1
            if heard == 8 { simulation.stop() }
        }
        let finished = try simulation.run(for: .seconds(10))
        #expect(!finished)
        #expect(simulation.time < .at(.seconds(1)), "all heard within milliseconds, stopped at \(simulation.time)")
        #expect(simulation.nodeIDs.allSatisfy { simulation.node($0)!.informed })
    }

    @Test func aNodeAddedLaterStartsThen() throws {
        let simulation = rumorSimulation(seed: 3, count: 3)
        try simulation.run(for: .seconds(1))
        let late = NodeId(uncheckedValid: "late")
        simulation.addNode(late)
        #expect(simulation.faults.index(of: late) == 3)
        try simulation.run(for: .seconds(1))
        #expect(simulation.figures.perNode[3].messagesSent == 0, "RumorNode's peers list does not name it: it only listens")
    }
}
