import FabricCore

// FabricSimulation: many nodes' pure cores in one process on a simulated clock and network
// (DESIGN.md §7 tier 3). It never touches the reactor or the transport, and reads no clock.
//
// # The engine
//
// A run is a single thread of events taken from one queue, a binary heap ordered by (simulated
// time, sequence number). Every entry gets the next sequence number when it is queued, so two
// entries due at the same nanosecond always run in the order they were made; nothing depends on
// the heap's shape, on a dictionary's iteration order or on `Hasher` (which is seeded per process).
// The clock jumps to each entry's time; nothing happens between entries. Events are: a message
// delivered, a node's deadline timer, a wake-up a node asked for, a node's start, a resumed
// node's overdue wake, and a script the harness scheduled (`at`, `after`, a `FaultPlan`).
//
// # Determinism
//
// All randomness comes from the run's seed through `SeededRandom` streams split off it in a fixed
// order at creation: the network's (loss, jitter, duplication), the fault plan's, and one per node
// life (drawn when the node is made, at the start and at each restart, and handed to the node on
// every call). A node therefore sees the same random values whatever the network does, and the
// network the same whatever the nodes draw, given the same sequence of events. With the same
// seed, the same nodes and the same script, a run repeats exactly: `traceHash` (FNV-1a 64 over
// every trace record) is the same. A failure carries the seed; `FABRIC_SIM_SEED=<seed>` replays it
// in the tests, `fabric simulate ... --seed <seed>` on the command line.
//
// # The network
//
// Packet-like and per directed link: each message gets a delay of `latency + uniform(0...jitter)`
// (jitter reorders unless the link `preservesOrder`), is lost with probability `loss` and copied
// with probability `duplication` (the copy with its own delay). `setLink` overrides the defaults
// for one directed link. A partition (`partition`, `isolate`) splits the nodes into groups that
// cannot talk to each other (symmetric); a cut (`cut(from:to:)`) blocks one direction only.
// Partitions and cuts are checked when a message is sent and again when it arrives: a message in
// flight when the link is cut is lost, as a packet on a broken path is. `heal` undoes both.
//
// # Pause, crash, restart
//
// A paused node (`pause`, like `SIGSTOP`) keeps its state and runs nothing: no timer fires and
// no message is handled. Messages that reach it WAIT in its inbox (as in a socket buffer that no
// one reads: TCP-like, which is what Fabric's shells see), up to
// `Limits.simulationPausedInboxMessagesMax`; timers that come due are remembered. On `resume` it
// sees the held messages in arrival order, and is woken once for its overdue timers, messages
// first by default (`SimulationConfiguration.resumeOrder`). A crashed node (`crash`) loses its
// state, its held messages and every message in flight to it; `restart` makes a new node from
// the factory with the next generation and a fresh random stream, and starts it. Messages a
// crashed node sent before it crashed still arrive.
//
// # Invariants, trace, figures
//
// `SimulationInvariant`s see every observed event at once and check the whole run at their
// cadence; the first violation stops the run with a `SimulationFailure` (seed, time, events, the
// message, and the last `traceTail` trace records, formatted only then). `figures` counts
// messages and bytes sent, delivered, dropped (by reason) and duplicated, per node and in total,
// with simulated time and events processed. Wall time is the caller's to measure.
//
// # Speed
//
// The hot path (`run`, delivery, sending, timers) is `@inlinable`, so the harness's module
// specializes it for its node type (unspecialized generic code spent most of its time looking up
// generic metadata), and the engine's stored state is `@exclusivity(unchecked)` (the runtime's
// per-access exclusivity bookkeeping was 40 % of the rest). That is safe because the engine never
// lends out its state while code that can reach it runs: a node is handed only its own value, its
// random stream and the outbox, and must not hold a reference to its `Simulation`; scripts,
// invariants and callbacks run between node calls; a `run` inside a `run` is refused. Measured
// (release, one core, the toy in SimulationBenchmarkTests: 1,000 nodes, 300 periods, 6.9 M
// events): 1.8 s, 3.9 M events/s.

/// A deterministic simulation of `Node`s on a simulated clock and network.
///
/// ```swift
/// let simulation = Simulation(seed: seed, nodes: ids) { context in Flooder(id: context.id, peers: ids) }
/// simulation.at(.seconds(10)) { $0.partition([a, b], [c, d, e]) }
/// simulation.at(.seconds(20)) { $0.heal() }
/// simulation.add(NoDoubleDelivery())
/// try simulation.run(for: .seconds(30))
/// ```
public final class Simulation<Node: SimulatedNode> {
    /// Makes a node for one life (the first, or a restart).
    public typealias Factory = (SimulatedNodeContext) -> Node
    /// The outbox nodes of this simulation write to.
    public typealias Outbox = SimulationOutbox<Node.Message, Node.Event>

    /// The seed every random choice of the run comes from.
    public let seed: UInt64
    /// The settings the run was made with (the default link conditions can be changed through
    /// `network`).
    public let configuration: SimulationConfiguration
    /// The conditions of every link without an override; changing them applies to later sends.
    public var network: LinkConditions
    /// Called for every event a node observes, after the invariants have seen it (for figures;
    /// it may call `stop()` to end the current `run` early).
    public var onObserve: ((Node.Event, NodeId, Instant) -> Void)?
    /// Called with a node's last state just before `crash` drops it: a harness keeps the durable
    /// part (a Raft node's persisted log and term) here and hands it to the factory on restart.
    public var onCrash: ((NodeId, Node) -> Void)?

    /// Who is up, paused or crashed, and who reaches whom.
    @exclusivity(unchecked) public internal(set) var faults = SimulationFaultState()

    @usableFromInline let makeNode: Factory
    @exclusivity(unchecked) @usableFromInline var clock: UInt64
    @exclusivity(unchecked) @usableFromInline var queue = SimulationQueue()
    @exclusivity(unchecked) @usableFromInline var sequence: UInt64 = 0
    @exclusivity(unchecked) @usableFromInline var nodes: [Node?] = []
    @exclusivity(unchecked) @usableFromInline var slots: [NodeSlot] = []
    @exclusivity(unchecked) @usableFromInline var outbox = Outbox()

    @exclusivity(unchecked) @usableFromInline var networkRandom: SeededRandom
    @exclusivity(unchecked) @usableFromInline var faultRandom: SeededRandom
    @exclusivity(unchecked) @usableFromInline var lifeRandom: SeededRandom
    @exclusivity(unchecked) @usableFromInline var linkOverrides: [UInt64: LinkConditions] = [:]
    @exclusivity(unchecked) @usableFromInline var linkLastArrival: [UInt64: UInt64] = [:]

    @exclusivity(unchecked) @usableFromInline var inFlightMessages: [Node.Message?] = []
    @exclusivity(unchecked) @usableFromInline var inFlightMeta: [InFlightMeta] = []
    @exclusivity(unchecked) @usableFromInline var freeSlots: [UInt32] = []
    @exclusivity(unchecked) @usableFromInline var inFlightCount = 0

    @exclusivity(unchecked) @usableFromInline var scripts: [((Simulation<Node>) -> Void)?] = []
    @exclusivity(unchecked) @usableFromInline var invariants: [any SimulationInvariant<Node>] = []
    @exclusivity(unchecked) @usableFromInline var invariantDue: [UInt64] = []
    /// Each invariant's cadence, read once when it was added (asking an existential per event
    /// costs a metadata lookup): check every n events (n > 0), or every `interval` nanoseconds.
    @exclusivity(unchecked) @usableFromInline var invariantEveryEvents: [UInt64] = []
    @exclusivity(unchecked) @usableFromInline var invariantInterval: [UInt64] = []

    @exclusivity(unchecked) @usableFromInline var total = SimulationTraffic()
    @exclusivity(unchecked) @usableFromInline var drops = [Int](repeating: 0, count: SimulationDropReason.allCases.count)
    @exclusivity(unchecked) @usableFromInline var eventsProcessed: UInt64 = 0
    @exclusivity(unchecked) @usableFromInline var trace: SimulationTrace
    @exclusivity(unchecked) @usableFromInline var failure: SimulationFailure?
    @exclusivity(unchecked) @usableFromInline var stopRequested = false
    @exclusivity(unchecked) @usableFromInline var running = false

    /// A run of `nodes`, each made by `makeNode` and started at the configuration's origin.
    ///
    /// The factory is called now for every node, in order (generation 0), and again at each
    /// restart and `addNode`.
    public init(
        seed: UInt64, nodes ids: [NodeId], configuration: SimulationConfiguration = SimulationConfiguration(),
        makeNode: @escaping Factory
    ) {
        self.seed = seed
        self.configuration = configuration
        self.network = configuration.network
        self.makeNode = makeNode
        clock = configuration.origin.nanoseconds
        var root = SeededRandom(seed: seed)
        networkRandom = SeededRandom(seed: root.next())
        faultRandom = SeededRandom(seed: root.next())
        lifeRandom = SeededRandom(seed: root.next())
        trace = SimulationTrace(capacity: configuration.traceTail)
        for id in ids { addNode(id) }
    }

    /// The simulated time.
    @inlinable
    public var time: Instant { Instant(nanoseconds: clock) }

    /// Every node of the run, in the order they were added (their indices).
    public var nodeIDs: [NodeId] { faults.nodeIDs }

    /// A stable hash (FNV-1a 64) of every trace record so far: equal for runs that did the same.
    public var traceHash: UInt64 { trace.hash }

    /// The last `configuration.traceTail` trace records, oldest first (`formatted(names: nodeIDs)`
    /// prints one).
    public var traceTail: [SimulationTraceRecord] { trace.tail }

    /// Read access to the run, as invariants get it.
    @inlinable
    public var view: SimulationView<Node> { SimulationView(simulation: self) }

    /// The node's state, or nil while it is crashed.
    public func node(_ id: NodeId) -> Node? {
        guard let index = faults.index(of: id) else { preconditionFailure("\(id) is not a node of this simulation") }
        return nodes[index]
    }

    /// The state of the node at `index` in `nodeIDs`, or nil while it is crashed.
    public func node(at index: Int) -> Node? { nodes[index] }

    /// The traffic and event counts so far.
    public var figures: SimulationFigures {
        SimulationFigures(
            simulatedTime: Instant(nanoseconds: clock).duration(since: configuration.origin),
            eventsProcessed: eventsProcessed, total: total, perNode: slots.map(\.traffic), drops: drops)
    }

    /// Adds a node (generation 0) made by the factory, started at the current time: a member that
    /// joins later.
    public func addNode(_ id: NodeId) {
        let index = faults.add(id, at: time)
        slots.append(NodeSlot(random: SeededRandom(seed: 0)))
        nodes.append(nil)
        beginLife(of: index, generation: 0)
    }

    /// Adds an invariant, checked from the next event on.
    public func add(_ invariant: some SimulationInvariant<Node>) {
        invariants.append(invariant)
        invariantDue.append(0)
        switch invariant.cadence {
        case .everyEvent:
            invariantEveryEvents.append(1)
            invariantInterval.append(0)
        case .everyEvents(let count):
            invariantEveryEvents.append(UInt64(max(1, count)))
            invariantInterval.append(0)
        case .every(let interval):
            invariantEveryEvents.append(0)
            invariantInterval.append(UInt64(max(1, interval.nanoseconds)))
        }
    }

    /// Ends the current `run` after the event being processed (for `onObserve` and scripts).
    public func stop() { stopRequested = true }

    /// Processes every event due up to `deadline`, then sets the clock to it; returns false when
    /// `stop()` ended the run first (the clock then stays at the stopping event).
    ///
    /// Throws the failure that stopped the run; a run that failed throws it again on every later call.
    @discardableResult
    @inlinable
    public func run(until deadline: Instant) throws(SimulationFailure) -> Bool {
        if let failure { throw failure }
        precondition(!running, "run called from inside a run (from a script, an invariant or a callback)")
        running = true
        defer { running = false }
        stopRequested = false
        let end = deadline.nanoseconds
        let budgetEnd = eventsProcessed &+ configuration.eventBudget
        while let entry = queue.first, entry.time <= end {
            _ = queue.pop()
            clock = entry.time
            guard process(entry) else { continue }
            eventsProcessed += 1
            if failure == nil, !invariants.isEmpty { checkInvariantsDue() }
            if let failure { throw failure }
            if eventsProcessed >= budgetEnd {
                fail(.eventBudgetExhausted, "processed the budget of \(configuration.eventBudget) events in one run")
                throw failure!
            }
            if stopRequested { return false }
        }
        clock = max(clock, end)
        return true
    }

    /// Runs for `duration` of simulated time from now.
    @discardableResult
    @inlinable
    public func run(for duration: Duration) throws(SimulationFailure) -> Bool {
        try run(until: time + duration)
    }

    /// Checks every invariant now, whatever its cadence.
    public func checkInvariants() throws(SimulationFailure) {
        if let failure { throw failure }
        for index in invariants.indices { check(invariant: index) }
        if let failure { throw failure }
    }

    /// Asks every invariant's `finish` (and `check`): for properties that must hold at the end.
    public func finish() throws(SimulationFailure) {
        try checkInvariants()
        let view = self.view
        for index in invariants.indices {
            if let message = invariants[index].finish(view) {
                fail(.invariantViolated(invariants[index].name), message)
                throw failure!
            }
        }
    }

    /// Runs `body` at `offset` after the run's origin (at once, if that has passed).
    public func at(_ offset: Duration, _ body: @escaping (Simulation<Node>) -> Void) {
        schedule(script: body, at: max(clock, (configuration.origin + offset).nanoseconds))
    }

    /// Runs `body` `delay` from now.
    public func after(_ delay: Duration, _ body: @escaping (Simulation<Node>) -> Void) {
        schedule(script: body, at: (time + delay).nanoseconds)
    }

    // MARK: The engine's own

    /// Queues an entry with the next sequence number.
    @inline(__always)
    @inlinable
    func push(_ kind: SimulationEntryKind, at time: UInt64, node: Int, payload: UInt64) {
        sequence += 1
        queue.push(SimulationEntry(time: time, sequence: sequence, payload: payload, node: Int32(node), kind: kind))
    }

    /// Adds a trace record at the current time.
    @inline(__always)
    @inlinable
    func record(_ kind: SimulationTraceRecord.Kind, node: Int, peer: Int = -1, value: UInt64 = 0) {
        trace.record(SimulationTraceRecord(time: clock, kind: kind, node: Int32(node), peer: Int32(peer), value: value))
    }

    @usableFromInline
    func schedule(script: @escaping (Simulation<Node>) -> Void, at time: UInt64) {
        scripts.append(script)
        push(.script, at: time, node: -1, payload: UInt64(scripts.count - 1))
    }

    /// Stops the run with `reason` (the first failure wins).
    @usableFromInline
    func fail(_ reason: SimulationFailure.Reason, _ message: String) {
        guard failure == nil else { return }
        let names = faults.nodeIDs
        failure = SimulationFailure(
            seed: seed, time: time, elapsed: time.duration(since: configuration.origin),
            eventsProcessed: eventsProcessed, reason: reason, message: message,
            trace: trace.tail.map { $0.formatted(names: names) })
    }

    /// Makes the node at `index` for a new life and queues its start.
    @usableFromInline
    func beginLife(of index: Int, generation: Int) {
        let context = SimulatedNodeContext(
            id: faults.nodeIDs[index], index: index, generation: generation, seed: lifeRandom.next())
        slots[index].random = SeededRandom(seed: lifeRandom.next())
        slots[index].life &+= 1
        slots[index].timerToken &+= 1
        slots[index].scheduledDeadline = .max
        slots[index].overdue = false
        slots[index].startPending = false
        nodes[index] = makeNode(context)
        push(.start, at: clock, node: index, payload: slots[index].life)
    }

    /// Runs one entry; false when it was stale (a superseded timer, a wake-up of an old life).
    @inlinable
    func process(_ entry: SimulationEntry) -> Bool {
        let index = Int(entry.node)
        switch entry.kind {
        case .delivery:
            arrive(slot: Int(entry.payload), at: index)
            return true
        case .timer:
            guard entry.payload == slots[index].timerToken else { return false }
            slots[index].scheduledDeadline = .max
            return dueWake(of: index, reason: 0)
        case .wakeRequest:
            guard entry.payload == slots[index].life else { return false }
            return dueWake(of: index, reason: 1)
        case .start:
            guard entry.payload == slots[index].life else { return false }
            if faults.status(at: index) == .paused {
                slots[index].startPending = true
                return true
            }
            start(index)
            return true
        case .resumeWake:
            guard entry.payload == slots[index].life, faults.status(at: index) == .up else { return false }
            if slots[index].startPending {
                start(index)
                return true
            }
            let deadline = nodes[index]?.nextDeadline?.nanoseconds ?? .max
            guard slots[index].overdue || deadline <= clock else {
                updateDeadline(of: index)
                return true
            }
            slots[index].overdue = false
            slots[index].scheduledDeadline = .max
            wake(index, reason: 2)
            return true
        case .script:
            record(.script, node: -1, value: entry.payload)
            let script = scripts[Int(entry.payload)].take()
            script?(self)
            return true
        }
    }

    /// A timer or a requested wake-up came due: wake the node, or remember it while it is paused.
    @inlinable
    func dueWake(of index: Int, reason: UInt64) -> Bool {
        switch faults.status(at: index) {
        case .up:
            wake(index, reason: reason)
            return true
        case .paused:
            slots[index].overdue = true
            return true
        case .crashed:
            return false
        }
    }

    @usableFromInline
    func start(_ index: Int) {
        slots[index].startPending = false
        record(.start, node: index, value: UInt64(faults.generations[index]))
        let now = time
        outbox.clear()
        nodes[index]!.start(now: now, random: &slots[index].random, outbox: &outbox)
        carryOut(index)
    }

    @inlinable
    func wake(_ index: Int, reason: UInt64) {
        if slots[index].lastWakeTime == clock {
            slots[index].wakesAtInstant += 1
            if slots[index].wakesAtInstant > Limits.simulationWakesPerInstantMax {
                fail(.nodeStuck(faults.nodeIDs[index]),
                     "\(faults.nodeIDs[index]) was woken \(slots[index].wakesAtInstant) times at \(time) and its deadline \(nodes[index]?.nextDeadline.map { "\($0)" } ?? "nil") is still due")
                return
            }
        } else {
            slots[index].lastWakeTime = clock
            slots[index].wakesAtInstant = 1
        }
        record(.wake, node: index, value: reason)
        let now = time
        outbox.clear()
        nodes[index]!.wake(now: now, random: &slots[index].random, outbox: &outbox)
        carryOut(index)
    }

    @inlinable
    func receive(_ message: Node.Message, from sender: Int, at index: Int) {
        let now = time
        let senderID = faults.nodeIDs[sender]
        outbox.clear()
        nodes[index]!.receive(message, from: senderID, now: now, random: &slots[index].random, outbox: &outbox)
        carryOut(index)
    }

    /// Carries out what the node at `index` wrote to the outbox, then rearms its deadline timer.
    @inlinable
    func carryOut(_ index: Int) {
        let life = slots[index].life
        var position = 0
        while position < outbox.actions.count, slots[index].life == life {
            switch outbox.actions[position] {
            case .send(let message, let destination, let bytes):
                send(message, from: index, to: destination, bytes: bytes)
            case .observe(let event):
                observe(event, from: index)
            case .wake(let instant):
                push(.wakeRequest, at: max(clock, instant.nanoseconds), node: index, payload: life)
            }
            position += 1
        }
        if slots[index].life == life { updateDeadline(of: index) }
    }

    /// Keeps one timer for the node's `nextDeadline`: a new one when it changed, none when it is nil.
    @inlinable
    func updateDeadline(of index: Int) {
        guard let node = nodes[index] else { return }
        let deadline = node.nextDeadline?.nanoseconds ?? .max
        guard deadline != slots[index].scheduledDeadline else { return }
        slots[index].timerToken &+= 1
        slots[index].scheduledDeadline = deadline
        if deadline != .max {
            push(.timer, at: max(deadline, clock), node: index, payload: slots[index].timerToken)
        }
    }

    @usableFromInline
    func observe(_ event: Node.Event, from index: Int) {
        slots[index].observed += 1
        record(.observe, node: index, value: slots[index].observed)
        let id = faults.nodeIDs[index]
        if !invariants.isEmpty {
            let view = self.view
            for position in invariants.indices where failure == nil {
                if let message = invariants[position].observe(event, from: id, in: view) {
                    fail(.invariantViolated(invariants[position].name), message)
                }
            }
        }
        onObserve?(event, id, time)
    }

    @inlinable
    func checkInvariantsDue() {
        for index in invariantEveryEvents.indices where failure == nil {
            let every = invariantEveryEvents[index]
            if every > 0 {
                if eventsProcessed % every == 0 { check(invariant: index) }
            } else if clock >= invariantDue[index] {
                invariantDue[index] = clock &+ invariantInterval[index]
                check(invariant: index)
            }
        }
    }

    @usableFromInline
    func check(invariant index: Int) {
        guard failure == nil else { return }
        if let message = invariants[index].check(view) {
            fail(.invariantViolated(invariants[index].name), message)
        }
    }
}

/// The engine's bookkeeping for one node.
@usableFromInline
struct NodeSlot {
    /// The current life's random stream.
    @usableFromInline var random: SeededRandom
    /// Which life this is: one more at every start and crash, so entries of an old life are stale.
    @usableFromInline var life: UInt64 = 0
    /// Names the one live deadline timer; older timers carry older tokens.
    @usableFromInline var timerToken: UInt64 = 0
    /// The deadline the live timer is for (`.max`: none).
    @usableFromInline var scheduledDeadline: UInt64 = .max
    /// A timer or wake-up came due while the node was paused.
    @usableFromInline var overdue = false
    /// The node was paused before its start ran.
    @usableFromInline var startPending = false
    /// In-flight slots of messages held while the node is paused, in arrival order.
    @usableFromInline var inbox: [UInt32] = []
    /// For stuck-node detection: the last instant the node was woken and how often then.
    @usableFromInline var lastWakeTime: UInt64 = .max
    @usableFromInline var wakesAtInstant = 0
    /// Events the node has observed.
    @usableFromInline var observed: UInt64 = 0
    /// The node's traffic figures.
    @usableFromInline var traffic = SimulationTraffic()

    @inlinable init(random: SeededRandom) { self.random = random }
}

/// What travels with a message in flight, beside the message itself.
@usableFromInline
struct InFlightMeta {
    @usableFromInline var sender: Int32
    @usableFromInline var destination: Int32
    @usableFromInline var bytes: Int
    /// The destination's life when the message was sent: a crash or restart since loses it.
    @usableFromInline var life: UInt64
    /// Held in a paused node's inbox already: not checked against partitions again.
    @usableFromInline var held: Bool

    @inlinable
    init(sender: Int32, destination: Int32, bytes: Int, life: UInt64, held: Bool) {
        self.sender = sender
        self.destination = destination
        self.bytes = bytes
        self.life = life
        self.held = held
    }
}
