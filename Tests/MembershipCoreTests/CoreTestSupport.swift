import FabricCore
@testable import MembershipCore

/// Builders for unit tests that drive one core by hand with crafted messages.
enum Fixture {
    static let start = Instant(nanoseconds: 1_000_000_000)

    static func identity(_ name: String, _ generation: UInt64 = 1) -> MemberIdentity {
        TestCluster.identity(name, generation: generation)
    }

    static func member(_ name: String, _ status: MemberStatus = .alive, _ incarnation: UInt64 = 0, generation: UInt64 = 1) -> Member {
        Member(identity: identity(name, generation), status: status, incarnation: incarnation)
    }

    static func core(_ name: String = "a", configuration: SWIMConfiguration = .lan) -> MembershipCore {
        MembershipCore(me: identity(name), cluster: "test", configuration: configuration, now: start)
    }

    static func header(from sender: Member, gossip: [MemberUpdate] = [], cluster: String = "test") -> SWIMHeader {
        SWIMHeader(sender: sender, clusterHash: StableHash.of(cluster), gossip: gossip)
    }

    static func update(_ member: Member, by reporter: String) -> MemberUpdate {
        MemberUpdate(member: member, reporter: NodeId(uncheckedValid: reporter))
    }

    /// A core that knows `others` (alive, generation 1), learnt first-hand from a gossip message each.
    static func core(_ name: String = "a", knowing others: [String], configuration: SWIMConfiguration = .lan) -> MembershipCore {
        var core = core(name, configuration: configuration)
        var random = SeededRandom(seed: 7)
        for other in others {
            _ = core.onMessage(.gossip(header(from: member(other))), now: start, random: &random)
        }
        return core
    }

    static func sends(_ directives: [MembershipDirective]) -> [(message: SWIMMessage, to: NodeId)] {
        directives.compactMap { directive in
            if case .send(let message, let to, _) = directive { return (message, to) }
            return nil
        }
    }

    static func events(_ directives: [MembershipDirective]) -> [MembershipEvent] {
        directives.compactMap { directive in
            if case .event(let event) = directive { return event }
            return nil
        }
    }

    static func node(_ name: String) -> NodeId { NodeId(uncheckedValid: name) }
}
