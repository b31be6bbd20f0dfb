import FabricCore
import MembershipCore

/// Whether a declaration (`unreachable` or `down`) by `observer` about `member` is about the
/// current life of a member that is up and reachable both ways from the observer right now.
/// Declarations about an old generation (a replaced process: the core says `down` for it) or
/// about a member that is paused, crashed or cut off are true ones.
func isAboutLiveReachableMember(_ member: Member, observer: NodeId, faults: SimulationFaultState) -> Bool {
    guard faults.index(of: member.node) != nil, member.node != observer else { return false }
    guard member.identity.generation == UInt64(faults.generation(of: member.node)) else { return false }
    return faults.isLiveAndReachable(member.node, from: observer)
}

/// No live, reachable member is ever declared `unreachable` or `down` by another (SWIM's
/// accuracy, the property Lifeguard improves).
///
/// Checked on every event (exact and free between events). The excuse window: a declaration
/// is excused when it comes within `window` (`SWIMBounds.excuseWindow`: the longest period +
/// the longest suspicion + one probe interval) after the end of ANY member's last fault-state
/// change (`SimulationFaultState.lastChange`: paused, resumed, crashed, restarted,
/// partitioned, cut, healed), counting only changes after the run's origin — in a run that
/// never had a fault, no declaration is ever excused. Any member, not only the declared and
/// the declaring one: a rumour has a third-party origin. Found by this checker (seed
/// 1335781936353846705 of the fault test): m2, isolated, suspects m5, which cannot hear it;
/// the suspicion times out just after the heal, and m2's `unreachable` at m5's incarnation
/// overrides `alive` at that incarnation everywhere (SWIM §4.2: confirm beats alive), so m0,
/// m4 and m6 — never faulted — declare m5 unreachable until m5 hears and refutes. That is the
/// protocol as specified, caused by m2's fault, so it is excused.
public struct SWIMNoFalseDeclaration: SimulationInvariant {
    public typealias Node = SWIMSimulatedNode
    public let name = "no live, reachable member is declared unreachable or down"
    /// How long after a fault a declaration is excused.
    public let window: Duration
    /// The run's origin (a last change at the origin is no fault).
    public let origin: Instant

    /// Checked on events only.
    public var cadence: SimulationInvariantCadence { .every(.seconds(86_400)) }

    /// The invariant with the excuse `window`.
    public init(window: Duration, origin: Instant = .zero) {
        self.window = window
        self.origin = origin
    }

    public func observe(_ event: MembershipEvent, from observer: NodeId, in view: SimulationView<Node>) -> String? {
        guard event.kind == .unreachable || event.kind == .down else { return nil }
        let faults = view.faults
        guard isAboutLiveReachableMember(event.member, observer: observer, faults: faults) else { return nil }
        var lastFault = origin
        for index in faults.nodeIDs.indices { lastFault = max(lastFault, faults.lastChange(at: index)) }
        if lastFault > origin, view.time.duration(since: lastFault) <= window { return nil }
        let since = lastFault > origin ? "\(SWIMFormat.seconds(lastFault.duration(since: origin)))s" : "the start"
        return "\(observer) declared \(event.member.node) (generation \(event.member.identity.generation), "
            + "incarnation \(event.member.incarnation)) \(event.kind), but it is up and reachable, "
            + "with no fault anywhere since \(since) (excuse window \(SWIMFormat.seconds(window))s)"
    }

    public func check(_ view: SimulationView<Node>) -> String? { nil }
}

/// Incarnations only grow: per observer and member, within one generation of each, the
/// incarnation the observer's view holds never decreases (SWIM §4.2: only the member raises
/// its own, and precedence never takes an older one).
///
/// Seen two ways: every event (it carries the member as the view now holds it), and a scan of
/// every view at `cadence` (changes without an event, such as a refutation merged by a member
/// that saw no suspicion). The scan is O(n²) dictionary look-ups: every second suits tens of
/// members; `SWIMScenario` scans every n/30 periods (33 at 1,000 members, where one scan of
/// the million pairs costs about as much as 3 simulated periods).
public struct SWIMIncarnationsGrow: SimulationInvariant {
    public typealias Node = SWIMSimulatedNode
    public let name = "incarnations only grow"
    public let cadence: SimulationInvariantCadence
    var count = 0
    /// Per observer × member: (observer's life, member generation, incarnation); life −1: none yet.
    var seen: [(life: Int, generation: UInt64, incarnation: UInt64)] = []

    /// The invariant, scanning every view at `scanEvery`.
    public init(scanEvery: Duration = .seconds(1)) { cadence = .every(scanEvery) }

    mutating func record(observer: Int, member: Member, life: Int, faults: SimulationFaultState) -> String? {
        let nodes = faults.nodeIDs.count
        if nodes != count {
            var grown = [(life: Int, generation: UInt64, incarnation: UInt64)](
                repeating: (-1, 0, 0), count: nodes * nodes)
            for o in 0..<count { for m in 0..<count { grown[o * nodes + m] = seen[o * count + m] } }
            seen = grown
            count = nodes
        }
        guard let m = faults.index(of: member.node) else { return nil }
        let slot = observer * count + m
        let previous = seen[slot]
        defer { seen[slot] = (life, member.identity.generation, member.incarnation) }
        guard previous.life == life, previous.generation == member.identity.generation,
            member.incarnation < previous.incarnation
        else { return nil }
        return "\(faults.nodeIDs[observer]) saw \(member.node) (generation \(member.identity.generation)) go from "
            + "incarnation \(previous.incarnation) back to \(member.incarnation)"
    }

    public mutating func observe(_ event: MembershipEvent, from observer: NodeId, in view: SimulationView<Node>) -> String? {
        let faults = view.faults
        guard let index = faults.index(of: observer), event.kind != .removed else { return nil }
        return record(observer: index, member: event.member, life: faults.generation(of: observer), faults: faults)
    }

    public mutating func check(_ view: SimulationView<Node>) -> String? {
        let faults = view.faults
        let ids = faults.nodeIDs
        for observer in ids.indices {
            guard let node = view.node(at: observer) else { continue }
            let life = faults.generation(of: ids[observer])
            for member in ids {
                guard let seen = node.core.member(member) else { continue }
                if let message = record(observer: observer, member: seen, life: life, faults: faults) { return message }
            }
        }
        return nil
    }
}

/// A dead member is detected by all: a member crashed (and not restarted) for longer than
/// `bound` (`SWIMBounds.detectionBound`) is no longer alive or suspect in the view of any
/// member that has been up, with no fault of its own, for that long too (any generation of it:
/// a view that never learnt the last life still must not hold an older one alive).
public struct SWIMDeadMemberDetected: SimulationInvariant {
    public typealias Node = SWIMSimulatedNode
    public let name = "a dead member is detected by all"
    public let cadence: SimulationInvariantCadence
    /// How long detection may take.
    public let bound: Duration

    /// The invariant with detection `bound`, checked every `checkEvery` of simulated time.
    public init(bound: Duration, checkEvery: Duration = .seconds(1)) {
        self.bound = bound
        cadence = .every(checkEvery)
    }

    public func check(_ view: SimulationView<Node>) -> String? {
        let faults = view.faults
        let ids = faults.nodeIDs
        let now = view.time
        let dead = ids.filter { faults.status(of: $0) == .crashed && now.duration(since: faults.statusSince(of: $0)) > bound }
        guard !dead.isEmpty else { return nil }
        for observer in ids where faults.status(of: observer) == .up {
            guard now.duration(since: faults.lastChange(of: observer)) > bound, let node = view.node(observer) else { continue }
            for member in dead {
                guard let entry = node.core.member(member), entry.status == .alive || entry.status == .suspect else { continue }
                return "\(observer) still holds \(member) \(entry.status) \(SWIMFormat.seconds(now.duration(since: faults.statusSince(of: member))))s "
                    + "after it crashed (bound \(SWIMFormat.seconds(bound))s)"
            }
        }
        return nil
    }
}

/// Membership converges: at the end (`Simulation.finish()`, after a fault-free tail), every
/// member that is up holds every other member that is up alive, at its current generation, and
/// holds no crashed member alive or suspect.
public struct SWIMMembershipConverges: SimulationInvariant {
    public typealias Node = SWIMSimulatedNode
    public let name = "membership converges"
    /// Checked at the end only.
    public var cadence: SimulationInvariantCadence { .every(.seconds(86_400)) }

    /// The invariant.
    public init() {}

    public func check(_ view: SimulationView<Node>) -> String? { nil }

    public func finish(_ view: SimulationView<Node>) -> String? {
        let faults = view.faults
        let ids = faults.nodeIDs
        var wrong: [String] = []
        for observer in ids where faults.status(of: observer) == .up {
            guard let node = view.node(observer) else { continue }
            for member in ids where member != observer {
                let entry = node.core.member(member)
                switch faults.status(of: member) {
                case .up:
                    let generation = UInt64(faults.generation(of: member))
                    if entry?.status != .alive || entry?.identity.generation != generation {
                        wrong.append("\(observer) holds \(member) as \(entry.map { "\($0.status) (generation \($0.identity.generation))" } ?? "unknown")")
                    }
                case .crashed:
                    if let entry, entry.status == .alive || entry.status == .suspect {
                        wrong.append("\(observer) holds crashed \(member) \(entry.status)")
                    }
                case .paused:
                    continue
                }
            }
        }
        guard !wrong.isEmpty else { return nil }
        return "\(wrong.count) views differ at the end: " + wrong.prefix(5).joined(separator: "; ")
            + (wrong.count > 5 ? "; …" : "")
    }
}

/// Number formatting without Foundation.
enum SWIMFormat {
    /// Seconds with up to 3 decimals.
    static func seconds(_ duration: Duration) -> String { decimal(Double(duration.nanoseconds) / 1e9) }

    /// `value` rounded to 3 decimals, in plain notation.
    static func decimal(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        let thousandths = Int64((value * 1000).rounded())
        let sign = thousandths < 0 ? "-" : ""
        let magnitude = thousandths.magnitude
        let fraction = magnitude % 1000
        let whole = "\(sign)\(magnitude / 1000)"
        guard fraction != 0 else { return whole }
        var digits = String(fraction)
        while digits.count < 3 { digits = "0" + digits }
        while digits.hasSuffix("0") { digits.removeLast() }
        return whole + "." + digits
    }
}
