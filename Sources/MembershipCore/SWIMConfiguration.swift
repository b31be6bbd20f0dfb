import FabricCore

/// Every setting of SWIM and Lifeguard, in one value (DESIGN.md §6).
///
/// `.lan` is memberlist's `DefaultLANConfig`, `.wan` its `DefaultWANConfig`, `.test` short
/// intervals for multi-process tests of debug builds on a loaded machine. `lifeguard = false`
/// is plain SWIM (fixed suspicion timeout, no local health, no nacks, no buddy) so that the
/// simulator can compare the two.
public struct SWIMConfiguration: Sendable, Hashable {
    /// The protocol period (SWIM §3.1): one probe per period, scaled by local health.
    public var probeInterval: Duration
    /// How long a direct ping waits for its ack before ping-requests go out, scaled by local health.
    public var probeTimeout: Duration
    /// k of SWIM §3.1: members asked to ping a target that did not answer.
    public var indirectProbes: Int
    /// α of Lifeguard §IV-B: the minimum suspicion timeout is α·max(1, log10 n)·probeInterval.
    public var suspicionMultiplier: Int
    /// β of Lifeguard §IV-B: the suspicion timeout starts at β × the minimum.
    public var suspicionMaxTimeoutMultiplier: Int
    /// K of Lifeguard §IV-B: independent confirmations after which the timeout is the minimum.
    /// memberlist takes suspicionMultiplier − 2 (see `MembershipCore`'s design notes); capped
    /// at n − 2 (everyone but the suspect and this member).
    public var suspicionConfirmationsExpected: Int
    /// λ of SWIM §4.1: an update is piggybacked at most λ·ceil(log10(n + 1)) times.
    public var retransmitMultiplier: Int
    /// Lifeguard §IV-A: the local health multiplier stays in 0 ..< awarenessMax.
    public var awarenessMax: Int
    /// How often queued updates are gossiped on their own (memberlist's gossip tick).
    public var gossipInterval: Duration
    /// Members each gossip tick sends to.
    public var gossipNodes: Int
    /// How often a push-pull exchange runs with one random member (scaled up past 32 members).
    public var pushPullInterval: Duration
    /// How long a down or left member stays in the view (so the news spreads) before `removed`.
    public var tombstoneTimeout: Duration
    /// Lifeguard §IV-A: a relay nacks when the target's ack has not come by this share (percent)
    /// of the probe timeout.
    public var nackTimeoutPercent: Int
    /// Members a leave is sent to at once (besides gossiping it).
    public var leaveFanout: Int
    /// Lifeguard on (local health, nacks, dynamic suspicion, buddy system) or plain SWIM.
    public var lifeguard: Bool
    /// A member that hears another's suspicion of a member probes that member in its next
    /// period, out of the round-robin turn (at most every other period, so the round-robin
    /// still advances at half speed or better). Not in memberlist: there a dead member is
    /// probed by each other member only once per round of its order, so the confirmations that
    /// shorten Lifeguard's suspicion timeout (§IV-B) arrive a round late; here they arrive
    /// within a period, and the timeout reaches its minimum — the safety floor, unchanged —
    /// sooner. A live suspect gains too: the early ping carries the suspicion (buddy system),
    /// so it refutes sooner. Only with `lifeguard` (plain SWIM stays the paper's).
    public var probesSuspectsEarly = true

    /// A configuration; the defaults are memberlist's LAN ones.
    public init(
        probeInterval: Duration = .seconds(1), probeTimeout: Duration = .milliseconds(500),
        indirectProbes: Int = 3, suspicionMultiplier: Int = 4, suspicionMaxTimeoutMultiplier: Int = 6,
        suspicionConfirmationsExpected: Int? = nil, retransmitMultiplier: Int = 4, awarenessMax: Int = 8,
        gossipInterval: Duration = .milliseconds(200), gossipNodes: Int = 3,
        pushPullInterval: Duration = .seconds(30), tombstoneTimeout: Duration = .seconds(30),
        nackTimeoutPercent: Int = 80, leaveFanout: Int = 6, lifeguard: Bool = true
    ) {
        self.probeInterval = probeInterval
        self.probeTimeout = probeTimeout
        self.indirectProbes = indirectProbes
        self.suspicionMultiplier = suspicionMultiplier
        self.suspicionMaxTimeoutMultiplier = suspicionMaxTimeoutMultiplier
        self.suspicionConfirmationsExpected = suspicionConfirmationsExpected ?? max(0, suspicionMultiplier - 2)
        self.retransmitMultiplier = retransmitMultiplier
        self.awarenessMax = awarenessMax
        self.gossipInterval = gossipInterval
        self.gossipNodes = gossipNodes
        self.pushPullInterval = pushPullInterval
        self.tombstoneTimeout = tombstoneTimeout
        self.nackTimeoutPercent = nackTimeoutPercent
        self.leaveFanout = leaveFanout
        self.lifeguard = lifeguard
    }

    /// memberlist's `DefaultLANConfig`: probe 1 s, timeout 500 ms, 3 indirect probes, suspicion
    /// ×4 (max ×6), retransmit ×4, local health up to 8, gossip 200 ms to 3, push-pull 30 s,
    /// tombstones (memberlist's GossipToTheDeadTime) 30 s.
    public static let lan = SWIMConfiguration()

    /// memberlist's `DefaultWANConfig`: probe 5 s, timeout 3 s, suspicion ×6, gossip 500 ms to 4,
    /// push-pull 60 s, tombstones 60 s.
    public static let wan = SWIMConfiguration(
        probeInterval: .seconds(5), probeTimeout: .seconds(3), suspicionMultiplier: 6,
        gossipInterval: .milliseconds(500), gossipNodes: 4, pushPullInterval: .seconds(60),
        tombstoneTimeout: .seconds(60))

    /// Short intervals for multi-process tests (debug builds, a loaded 2-core machine): probe
    /// 200 ms, timeout 100 ms, gossip 100 ms, push-pull 5 s, tombstones 5 s. With 5 members
    /// the suspicion timeout is 0.8 s to 4.8 s.
    public static let test = SWIMConfiguration(
        probeInterval: .milliseconds(200), probeTimeout: .milliseconds(100),
        gossipInterval: .milliseconds(100), pushPullInterval: .seconds(5), tombstoneTimeout: .seconds(5))

    /// Why this configuration cannot run, or nil when it can.
    public var invalidity: String? {
        if probeInterval <= .zero || probeTimeout <= .zero { return "probe interval and timeout must be positive" }
        if probeTimeout >= probeInterval { return "the probe timeout must be shorter than the probe interval" }
        if gossipInterval <= .zero || pushPullInterval <= .zero { return "intervals must be positive" }
        if tombstoneTimeout < .zero { return "the tombstone timeout must not be negative" }
        if indirectProbes < 0 || gossipNodes < 0 || leaveFanout < 0 { return "counts must not be negative" }
        if suspicionMultiplier < 1 || suspicionMaxTimeoutMultiplier < 1 { return "suspicion multipliers must be at least 1" }
        if suspicionConfirmationsExpected < 0 { return "expected confirmations must not be negative" }
        if retransmitMultiplier < 1 || awarenessMax < 1 { return "retransmit and awareness multipliers must be at least 1" }
        if !(1...100).contains(nackTimeoutPercent) { return "the nack share must be 1 to 100 percent" }
        return nil
    }
}
