import FabricCore

/// How often the engine asks an invariant's `check`.
public enum SimulationInvariantCadence: Sendable, Hashable {
    /// After every event (exact, and cheap when the check is).
    case everyEvent
    /// After every n-th event.
    case everyEvents(Int)
    /// After the first event at or past each step of `Duration` of simulated time (for checks
    /// that scan every node: 1,000 members checked every simulated 100 ms cost little).
    case every(Duration)
}

/// A property that must hold all through a run, written by a harness (SWIM: "no live, reachable
/// member is ever declared dead", "incarnations only grow"; Raft: "one leader per term").
///
/// `observe` sees every event a node reports, at once; `check` looks at the whole run at the
/// invariant's cadence; `finish` is asked once by `Simulation.finish()` for properties that hold
/// only at the end (convergence). Each returns nil while the property holds and a message saying
/// what is wrong when it does not: the run then stops with a `SimulationFailure`.
public protocol SimulationInvariant<Node> {
    /// The kind of node this invariant understands.
    associatedtype Node: SimulatedNode

    /// A short name for failure reports.
    var name: String { get }
    /// How often `check` runs (`.everyEvent` unless the invariant says otherwise).
    var cadence: SimulationInvariantCadence { get }

    /// A node reported `event`; the view shows the run just after it.
    mutating func observe(_ event: Node.Event, from node: NodeId, in view: SimulationView<Node>) -> String?
    /// The property over the whole run now.
    mutating func check(_ view: SimulationView<Node>) -> String?
    /// The property at the end of the run.
    mutating func finish(_ view: SimulationView<Node>) -> String?
}

extension SimulationInvariant {
    /// After every event.
    public var cadence: SimulationInvariantCadence { .everyEvent }
    /// Events are not this invariant's concern.
    public mutating func observe(_ event: Node.Event, from node: NodeId, in view: SimulationView<Node>) -> String? {
        nil
    }
    /// Nothing more to say at the end.
    public mutating func finish(_ view: SimulationView<Node>) -> String? { nil }
}

/// Read access to a run for invariants and stop conditions: the simulated time, every node's
/// state, the fault state and the figures. It cannot change the run.
public struct SimulationView<Node: SimulatedNode> {
    @usableFromInline unowned let simulation: Simulation<Node>

    @usableFromInline init(simulation: Simulation<Node>) { self.simulation = simulation }

    /// The simulated time.
    public var time: Instant { simulation.time }
    /// The run's seed.
    public var seed: UInt64 { simulation.seed }
    /// Who is up, paused or crashed and who reaches whom.
    public var faults: SimulationFaultState { simulation.faults }
    /// Every node of the run.
    public var nodeIDs: [NodeId] { simulation.faults.nodeIDs }
    /// The traffic and event counts so far.
    public var figures: SimulationFigures { simulation.figures }

    /// The node's state, or nil while it is crashed (a paused node's state is there, frozen).
    public func node(_ id: NodeId) -> Node? { simulation.node(id) }
    /// The state of the node at `index` in `nodeIDs`, or nil while it is crashed.
    public func node(at index: Int) -> Node? { simulation.node(at: index) }
}
