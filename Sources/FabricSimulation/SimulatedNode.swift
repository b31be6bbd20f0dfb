import FabricCore

/// One node of a simulation: a protocol core behind a thin adapter the engine drives.
///
/// The engine calls `start` once per life (at the run's origin, or when the node is restarted or
/// added), `receive` for each message the simulated network delivers, and `wake` when the node's
/// `nextDeadline` has come or an instant it asked for with `SimulationOutbox.wake(at:)` has come.
/// `wake` may therefore find nothing due (two reasons fell on one instant, or a resumed node was
/// woken for overdue timers it then found handled): a node checks its own timers, as cores do.
///
/// What a node does, it writes into the outbox: messages to send, events for the harness to
/// observe, extra wake-ups. The engine reads `nextDeadline` after every call and keeps exactly one
/// timer for it, so a core that exposes its earliest deadline (MembershipCore) needs no wake-ups,
/// and a tick-based core (RaftCore) returns "last tick + tick interval" or asks for `wake(at:)`.
///
/// Every random choice a node makes is drawn from the `random` it is handed: that generator is
/// the node's own stream, split from the run's seed when the node was made (see `Simulation`).
/// A node must not hold a reference to its `Simulation` (the engine's state is not checked for
/// exclusive access at run time; see "Speed" in Simulation.swift).
///
/// An adapter over a directive core (Tests/FabricSimulationTests/CoreAdapterTests.swift has a
/// working one):
///
/// ```swift
/// struct MemberNode: SimulatedNode {
///     typealias Message = SwimMessage
///     typealias Event = MembershipEvent
///     var core: MembershipCore
///     var nextDeadline: Instant? { core.nextDeadline }
///     mutating func start(now: Instant, random: inout SeededRandom, outbox: inout Outbox) {
///         carryOut(core.onJoin(now: now, random: &random), &outbox)
///     }
///     mutating func receive(_ message: Message, from sender: NodeId, now: Instant, random: inout SeededRandom, outbox: inout Outbox) {
///         carryOut(core.onMessage(message, from: sender, now: now, random: &random), &outbox)
///     }
///     mutating func wake(now: Instant, random: inout SeededRandom, outbox: inout Outbox) {
///         carryOut(core.onTimer(now: now, random: &random), &outbox)
///     }
///     func carryOut(_ directives: [MembershipDirective], _ outbox: inout Outbox) {
///         for directive in directives {
///             switch directive {
///             case .send(let message, let peer): outbox.send(message, to: peer, bytes: message.wireSize)
///             case .event(let event): outbox.observe(event)
///             }
///         }
///     }
/// }
/// ```
///
/// A tick-based core (Raft) keeps its next tick as the deadline and drains `ready()` after each
/// call: `wake` runs `while nextTick <= now { core.tick(); nextTick = nextTick + tickInterval }`,
/// `receive` runs `core.step(message)`, and both then send `ready.messages`, observe what was
/// committed or applied, and call `core.advance(ready)`. A node that must keep state across a
/// crash (a persisted log) hands it out through `Simulation.onCrash` and gets it back from the
/// factory.
public protocol SimulatedNode {
    /// What nodes send each other, stored by value while in flight.
    associatedtype Message
    /// What a node reports to the harness (state changes an invariant or a figure is built from).
    associatedtype Event = Never

    /// The earliest instant at which the node wants `wake`, or nil when it has no timer running.
    var nextDeadline: Instant? { get }

    /// The node begins (its process started): it may send, observe and arm timers.
    mutating func start(now: Instant, random: inout SeededRandom, outbox: inout SimulationOutbox<Message, Event>)

    /// The network delivered `message` from `sender`.
    mutating func receive(
        _ message: Message, from sender: NodeId, now: Instant, random: inout SeededRandom,
        outbox: inout SimulationOutbox<Message, Event>)

    /// Some of the node's timers may be due (its `nextDeadline`, or a requested wake-up, has come).
    mutating func wake(now: Instant, random: inout SeededRandom, outbox: inout SimulationOutbox<Message, Event>)
}

/// Who a node is being made as: what the factory passed to `Simulation.init` receives.
public struct SimulatedNodeContext: Sendable, Hashable {
    /// The node's name.
    public let id: NodeId
    /// The node's position in `Simulation.nodeIDs` (stable for the run; handy for arrays in harnesses).
    public let index: Int
    /// 0 for the first life, then one more at each restart: a core that carries a generation
    /// (DESIGN.md §4) takes it from here, so a restarted node is told apart from its old self.
    public let generation: Int
    /// A random value drawn for this life from the run's seed (a different one for each restart).
    public let seed: UInt64
}

/// One thing a node asked the engine to do.
public enum SimulationAction<Message, Event> {
    /// Put `message` on the simulated network to `destination`; `bytes` is its size on the wire,
    /// used only for the traffic figures.
    case send(Message, to: NodeId, bytes: Int)
    /// Report `event` to the harness: invariants see it at once, and so does `Simulation.onObserve`.
    case observe(Event)
    /// Call the node's `wake` at `instant` (or at once, if it has passed), besides its `nextDeadline`.
    case wake(at: Instant)
}

/// Where a node writes what it does during one call; the engine empties it after each call and
/// keeps its storage, so a busy run does not allocate an array per event.
public struct SimulationOutbox<Message, Event> {
    /// The actions written so far during this call, in order.
    public var actions: [SimulationAction<Message, Event>] { storage }
    @usableFromInline var storage: [SimulationAction<Message, Event>] = []

    /// An empty outbox (the engine owns one; tests of an adapter may make their own).
    @inlinable public init() {}

    /// Sends `message` to `destination`; `bytes` is its size on the wire, for the figures.
    @inlinable
    public mutating func send(_ message: Message, to destination: NodeId, bytes: Int) {
        storage.append(.send(message, to: destination, bytes: bytes))
    }

    /// Reports `event` to the harness.
    @inlinable
    public mutating func observe(_ event: Event) { storage.append(.observe(event)) }

    /// Asks for a `wake` at `instant`.
    @inlinable
    public mutating func wake(at instant: Instant) { storage.append(.wake(at: instant)) }

    /// Empties the outbox, keeping its storage.
    @inlinable
    mutating func clear() { storage.removeAll(keepingCapacity: true) }
}

extension SimulatedNode {
    /// The outbox type a node of this kind writes to (so an adapter can say `inout Outbox`; the
    /// node then names its `Message` and `Event` types itself, as typealiases or nested types,
    /// since the compiler cannot infer it through this alias).
    public typealias Outbox = SimulationOutbox<Message, Event>
}
