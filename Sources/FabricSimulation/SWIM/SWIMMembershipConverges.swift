import FabricCore
import MembershipCore

/// Membership converges: at the end (`Simulation.finish()`, after a fault-free tail), every
/// member that is up holds every other member that is up alive, at its current generation, and
/// holds no crashed member alive or suspect.
public struct SWIMMembershipConverges: SimulationInvariant {
    /// The members this invariant watches.
    public typealias Node = SWIMSimulatedNode
    /// The name failure reports carry.
    public let name = "membership converges"
    /// Checked at the end only.
    public var cadence: SimulationInvariantCadence { .every(.seconds(86_400)) }

    /// The invariant.
    public init() {}

    /// Nothing to check between events.
    public func check(_ view: SimulationView<Node>) -> String? { nil }

    /// Compares every up member's view with who is up and who is crashed.
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
