import FabricCore
import FabricSimulation
import Foundation
import Testing

/// Node names `n0`, `n1`, … for toy runs.
func nodeNames(_ count: Int) -> [NodeId] { (0..<count).map { NodeId(uncheckedValid: "n\($0)") } }

/// Runs `body` once per seed: `FABRIC_SIM_SEED` replays one, `FABRIC_SIM_SEEDS` sets how many
/// (default `defaultCount`). A thrown error is recorded with its seed, so any failure names the
/// seed that replays it.
func forEachSeed(defaultCount: Int = 5, _ body: (UInt64) throws -> Void) throws {
    let seeds = try SimulationSeeds.seeds(environment: ProcessInfo.processInfo.environment, defaultCount: defaultCount)
    for seed in seeds {
        do {
            try body(seed)
        } catch {
            Issue.record("seed \(seed) failed (replay with FABRIC_SIM_SEED=\(seed)):\n\(error)")
        }
    }
}

// MARK: Toy protocol 1: a gossiped rumor (flooding with periodic push)

/// Floods a rumor once when it first hears it, then pushes it to one random peer every period.
struct RumorNode: SimulatedNode {
    enum Event: Equatable { case heard(at: Instant) }
    struct Message { var hops: Int }

    let id: NodeId
    let peers: [NodeId]
    let origin: Bool
    var period: Duration = .milliseconds(100)
    var informed = false
    var nextPush: Instant?

    var nextDeadline: Instant? { nextPush }

    mutating func start(now: Instant, random: inout SeededRandom, outbox: inout Outbox) {
        if origin { learn(hops: 0, now: now, outbox: &outbox) }
    }

    mutating func receive(_ message: Message, from sender: NodeId, now: Instant, random: inout SeededRandom, outbox: inout Outbox) {
        if !informed { learn(hops: message.hops + 1, now: now, outbox: &outbox) }
    }

    mutating func wake(now: Instant, random: inout SeededRandom, outbox: inout Outbox) {
        guard let due = nextPush, due <= now else { return }
        let others = peers.filter { $0 != id }
        outbox.send(Message(hops: 0), to: others[Int(random.next() % UInt64(others.count))], bytes: 16)
        nextPush = now + period
    }

    private mutating func learn(hops: Int, now: Instant, outbox: inout Outbox) {
        informed = true
        outbox.observe(.heard(at: now))
        for peer in peers where peer != id { outbox.send(Message(hops: hops), to: peer, bytes: 16) }
        nextPush = now + period
    }

}

func rumorSimulation(seed: UInt64, count: Int, configuration: SimulationConfiguration = SimulationConfiguration())
    -> Simulation<RumorNode>
{
    let ids = nodeNames(count)
    return Simulation(seed: seed, nodes: ids, configuration: configuration) { context in
        RumorNode(id: context.id, peers: ids, origin: context.index == 0)
    }
}

// MARK: Toy protocol 2: ping/pong with a timeout

/// The pinger sends a ping every `interval` and counts a loss when no pong came within `timeout`;
/// the ponger answers every ping. Both observe what happened.
struct PingNode: SimulatedNode {
    enum Message { case ping(UInt64), pong(UInt64) }
    enum Event: Equatable { case answered(UInt64), lost(UInt64), pinged(from: NodeId) }

    let id: NodeId
    let target: NodeId?
    var interval: Duration = .milliseconds(100)
    var timeout: Duration = .milliseconds(50)
    var sequence: UInt64 = 0
    var waiting: (sequence: UInt64, deadline: Instant)?
    var nextPing: Instant?

    var nextDeadline: Instant? {
        switch (waiting?.deadline, nextPing) {
        case (let a?, let b?): min(a, b)
        case (let a, let b): a ?? b
        }
    }

    mutating func start(now: Instant, random: inout SeededRandom, outbox: inout SimulationOutbox<Message, Event>) {
        if target != nil { nextPing = now }
    }

    mutating func receive(_ message: Message, from sender: NodeId, now: Instant, random: inout SeededRandom,
                          outbox: inout SimulationOutbox<Message, Event>) {
        switch message {
        case .ping(let number):
            outbox.observe(.pinged(from: sender))
            outbox.send(.pong(number), to: sender, bytes: 24)
        case .pong(let number):
            guard let waiting, waiting.sequence == number else { return }
            self.waiting = nil
            outbox.observe(.answered(number))
        }
    }

    mutating func wake(now: Instant, random: inout SeededRandom, outbox: inout SimulationOutbox<Message, Event>) {
        if let waiting, waiting.deadline <= now {
            outbox.observe(.lost(waiting.sequence))
            self.waiting = nil
        }
        if let due = nextPing, due <= now, let target {
            sequence += 1
            outbox.send(.ping(sequence), to: target, bytes: 24)
            waiting = (sequence, now + timeout)
            nextPing = now + interval
        }
    }
}

/// Counts a pinger's answered and lost pings.
final class PingTally {
    var answered = 0
    var lost = 0
    var pinged = 0
}

func pingSimulation(seed: UInt64, configuration: SimulationConfiguration) -> (Simulation<PingNode>, PingTally) {
    let ids = nodeNames(2)
    let simulation = Simulation(seed: seed, nodes: ids, configuration: configuration) { context in
        PingNode(id: context.id, target: context.index == 0 ? ids[1] : nil)
    }
    let tally = PingTally()
    simulation.onObserve = { event, _, _ in
        switch event {
        case .answered: tally.answered += 1
        case .lost: tally.lost += 1
        case .pinged: tally.pinged += 1
        }
    }
    return (simulation, tally)
}

// MARK: Toy protocol 3: a numbered stream and a ticking receiver

/// Node 0 sends a numbered message to node 1 every `gap`; node 1 observes each number it receives
/// and a tick every `tick` (a timer it keeps itself, like a core's). Every node says hello with its
/// generation to the others when it starts.
struct StreamNode: SimulatedNode {
    enum Message { case number(Int), hello(generation: Int) }
    enum Event: Equatable { case started(generation: Int), received(Int), tick(due: Instant), hello(from: NodeId, generation: Int) }

    let context: SimulatedNodeContext
    let peers: [NodeId]
    var gap: Duration = .milliseconds(10)
    var tick: Duration = .milliseconds(100)
    var sent = 0
    var nextSend: Instant?
    var nextTick: Instant?

    var nextDeadline: Instant? {
        switch (nextSend, nextTick) {
        case (let a?, let b?): min(a, b)
        case (let a, let b): a ?? b
        }
    }

    mutating func start(now: Instant, random: inout SeededRandom, outbox: inout SimulationOutbox<Message, Event>) {
        outbox.observe(.started(generation: context.generation))
        for peer in peers where peer != context.id { outbox.send(.hello(generation: context.generation), to: peer, bytes: 8) }
        if context.index == 0 { nextSend = now + gap } else { nextTick = now + tick }
    }

    mutating func receive(_ message: Message, from sender: NodeId, now: Instant, random: inout SeededRandom,
                          outbox: inout SimulationOutbox<Message, Event>) {
        switch message {
        case .number(let number): outbox.observe(.received(number))
        case .hello(let generation): outbox.observe(.hello(from: sender, generation: generation))
        }
    }

    mutating func wake(now: Instant, random: inout SeededRandom, outbox: inout SimulationOutbox<Message, Event>) {
        if let due = nextSend, due <= now {
            sent += 1
            outbox.send(.number(sent), to: peers[1], bytes: 8)
            nextSend = due + gap
        }
        if let due = nextTick, due <= now {
            outbox.observe(.tick(due: due))
            nextTick = now + tick
        }
    }
}

/// Every observed event with its node and time, in order.
final class EventLog<Event> {
    var entries: [(node: NodeId, time: Instant, event: Event)] = []
}

func streamSimulation(seed: UInt64, count: Int = 2, configuration: SimulationConfiguration)
    -> (Simulation<StreamNode>, EventLog<StreamNode.Event>)
{
    let ids = nodeNames(count)
    let simulation = Simulation(seed: seed, nodes: ids, configuration: configuration) { context in
        StreamNode(context: context, peers: ids)
    }
    let log = EventLog<StreamNode.Event>()
    simulation.onObserve = { event, node, time in log.entries.append((node, time, event)) }
    return (simulation, log)
}

extension Instant {
    /// The instant `duration` after the origin zero.
    static func at(_ duration: Duration) -> Instant { .zero + duration }
}
