import FabricCore
import MembershipCore

/// One SWIM member under the simulator: the real `MembershipCore` behind the engine's node
/// protocol (the template is Tests/FabricSimulationTests/CoreAdapterTests.swift).
///
/// Each life (the first, and each restart) makes a new core with the factory's generation
/// (`SimulatedNodeContext.generation`, DESIGN.md §4: a restarted process is a new member that
/// replaces its old entry) and joins through `seeds`. A join that reached no one (all its
/// push-pulls lost) leaves the member alone; SWIM cannot find it, so, as the shell will, the
/// adapter retries its seeds every `joinRetryInterval` while its view holds only itself.
///
/// Every `MembershipEvent` the core emits is observed (the engine adds the observer and the
/// time); every `.send` goes on the simulated network with `SWIMMessage.estimatedWireBytes` as
/// its size. A member may be given a planned leave (`leaveAt`): it calls `onLeave` then.
public struct SWIMSimulatedNode: SimulatedNode {
    /// What members send each other: the core's messages, by value.
    public typealias Message = SWIMMessage
    /// What the harness observes: every event the core emits (the engine adds who and when).
    public typealias Event = MembershipEvent

    /// The core (made again at `start`, so its clocks begin at the life's start).
    public private(set) var core: MembershipCore
    /// The members this one joins through (itself excluded by the core).
    public let seeds: [NodeId: NodeAddress]
    /// How long a member alone in its view waits before asking its seeds again.
    public let joinRetryInterval: Duration
    /// When this member leaves gracefully, if it is planned to.
    public let leaveAt: Instant?

    var joinRetryAt: Instant?
    var left = false

    /// A member `identity` of `cluster` with `configuration`, joining through `seeds`.
    public init(
        identity: MemberIdentity, cluster: String, configuration: SWIMConfiguration, seeds: [NodeId: NodeAddress],
        joinRetryInterval: Duration? = nil, leaveAt: Instant? = nil
    ) {
        core = MembershipCore(me: identity, cluster: cluster, configuration: configuration, now: .zero)
        self.seeds = seeds
        self.joinRetryInterval = joinRetryInterval ?? configuration.probeInterval * 2
        self.leaveAt = leaveAt
    }

    /// The core's next deadline, or a join retry or planned leave when those come first.
    public var nextDeadline: Instant? {
        var earliest = core.nextDeadline
        for extra in [joinRetryAt, left ? nil : leaveAt] {
            guard let extra else { continue }
            earliest = earliest.map { min($0, extra) } ?? extra
        }
        return earliest
    }

    /// A new life: a fresh core (its clocks start now) that joins through the seeds.
    public mutating func start(now: Instant, random: inout SeededRandom, outbox: inout Outbox) {
        core = MembershipCore(me: core.me, cluster: core.cluster, configuration: core.configuration, now: now)
        join(now: now, outbox: &outbox)
    }

    /// A message from another member, to the core.
    public mutating func receive(
        _ message: Message, from sender: NodeId, now: Instant, random: inout SeededRandom, outbox: inout Outbox
    ) {
        Self.carryOut(core.onMessage(message, now: now, random: &random), &outbox)
    }

    /// A deadline came: the join retry and the planned leave if due, then the core's timers.
    public mutating func wake(now: Instant, random: inout SeededRandom, outbox: inout Outbox) {
        if let due = joinRetryAt, due <= now {
            if core.memberCount <= 1 { join(now: now, outbox: &outbox) } else { joinRetryAt = nil }
        }
        if !left, let due = leaveAt, due <= now {
            left = true
            Self.carryOut(core.onLeave(now: now, random: &random), &outbox)
        }
        Self.carryOut(core.onTimer(now: now, random: &random), &outbox)
    }

    /// Asks the seeds (none for a lone seed, which is then the cluster) and arms the retry.
    mutating func join(now: Instant, outbox: inout Outbox) {
        let others = seeds.filter { $0.key != core.me.node }
        guard !others.isEmpty else {
            joinRetryAt = nil
            return
        }
        Self.carryOut(core.onJoin(seeds: others, now: now), &outbox)
        joinRetryAt = now + joinRetryInterval
    }

    /// Static on purpose: `self.carryOut(core.onMessage(...))` would copy `self` (the receiver is
    /// evaluated before the argument), so the core's mutation would find its tables shared and
    /// copy them: a 1,000-member view copied on every message (measured: 40 % of the run).
    static func carryOut(_ directives: [MembershipDirective], _ outbox: inout Outbox) {
        for directive in directives {
            switch directive {
            case .send(let message, let destination, _):
                outbox.send(message, to: destination, bytes: message.estimatedWireBytes)
            case .event(let event):
                outbox.observe(event)
            }
        }
    }
}
