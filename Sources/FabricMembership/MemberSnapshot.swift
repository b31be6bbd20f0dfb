import FabricActorSystem
import FabricCore
import MembershipCore

/// One member of the cluster as a node sees it at one moment: what `FabricNode.members` and
/// `fabric members` show.
public struct MemberSnapshot: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where a member stands (`MembershipCore.MemberStatus`, named for operators).
    public struct Status: Sendable, Hashable, Codable, CustomStringConvertible {
        /// `alive`, `suspect`, `unreachable`, `down` or `left`.
        public let name: String

        /// Answers its probes.
        public static let alive = Status(name: "alive")
        /// Missed its probes; others are asked to confirm.
        public static let suspect = Status(name: "suspect")
        /// Its suspicion timed out; it can still come back by refuting it.
        public static let unreachable = Status(name: "unreachable")
        /// Declared down: that process never comes back.
        public static let down = Status(name: "down")
        /// Left gracefully.
        public static let left = Status(name: "left")

        init(name: String) { self.name = name }

        init(_ status: MemberStatus) {
            switch status {
            case .alive: self = .alive
            case .suspect: self = .suspect
            case .unreachable: self = .unreachable
            case .down: self = .down
            case .left: self = .left
            }
        }

        /// The name.
        public var description: String { name }
    }

    /// The member's node.
    public var name: NodeId
    /// Where it listens.
    public var address: NodeAddress
    /// Where it stands.
    public var status: Status
    /// Its process's generation (random per process life; a restart changes it).
    public var generation: UInt64
    /// Its SWIM incarnation: grows when it refutes a suspicion while its process lives.
    public var incarnation: UInt64
    /// Lifeguard's local health multiplier, for the node that took the snapshot only (0 is
    /// healthy; it grows as that node misses acks, and stretches its own timeouts).
    public var localHealth: Int?
    /// The phi-accrual suspicion of the member by its heartbeats to the node that took the
    /// snapshot (0 is on time; 8 is the threshold of "unavailable"); nil when not watched.
    public var phi: Double?

    init(member: Member, localHealth: Int?) {
        name = member.identity.node
        address = member.identity.address
        status = Status(member.status)
        generation = member.identity.generation
        incarnation = member.incarnation
        self.localHealth = localHealth
    }

    /// `name@address status generation/incarnation`.
    public var description: String {
        "\(name)@\(address) \(status) generation \(String(generation, radix: 16)) incarnation \(incarnation)"
    }
}

extension ClusterEvent {
    /// The cluster event a membership event is published as.
    init(membership event: MembershipEvent) {
        let kind: ClusterEvent.Kind
        switch event.kind {
        case .joined: kind = .joined
        case .up: kind = .up
        case .suspect: kind = .suspect
        case .unreachable: kind = .unreachable
        case .reachable: kind = .reachable
        case .down: kind = .down
        case .left: kind = .left
        case .removed: kind = .removed
        }
        self.init(kind: kind, node: event.member.identity.node, address: event.member.identity.address,
                  generation: event.member.identity.generation)
    }
}

/// How healthy a member looks from this node (`FabricNode.health(of:)`): its membership entry,
/// its heartbeats' phi, and a score from 0 to 100 combining them (`HealthCore.HealthScore`:
/// 100 × membership factor × phi factor; alive 1, suspect 0.5, unreachable 0.1, down or left 0;
/// phi 1 → 1, linearly to 0 at the threshold 8).
public struct MemberHealth: Sendable, Hashable, CustomStringConvertible {
    /// The membership entry, with its phi.
    public var member: MemberSnapshot
    /// Whether the heartbeat detector holds it available; nil when not watched (this node
    /// itself, or a member not alive).
    public var isAvailable: Bool?
    /// 0 (gone) to 100 (alive, heartbeats on time).
    public var score: Int

    /// `name status phi score`.
    public var description: String {
        let phi = member.phi.map { $0.isFinite ? String(Double(Int(($0 * 100).rounded())) / 100) : "inf" } ?? "-"
        return "\(member.name) \(member.status) phi \(phi) score \(score)"
    }
}
