/// Named counts of what a core did and refused, for metrics and tests (never strings on the hot path).
public struct MembershipCounters: Sendable, Hashable {
    /// Messages given to `onMessage`.
    public var messagesReceived: UInt64 = 0
    /// `.send` directives returned.
    public var messagesSent: UInt64 = 0
    /// Direct pings of a probe (SWIM §3.1).
    public var probesSent: UInt64 = 0
    /// Probes answered by an ack, direct or relayed.
    public var probesSucceeded: UInt64 = 0
    /// Probes with no ack by the end of the period.
    public var probesFailed: UInt64 = 0
    /// Ping-requests sent after a direct ping timed out.
    public var indirectProbesSent: UInt64 = 0
    /// Ping-requests this member relayed.
    public var relaysStarted: UInt64 = 0
    /// Nacks this member sent as a relay (Lifeguard §IV-A).
    public var nacksSent: UInt64 = 0
    /// Nacks received for this member's probes.
    public var nacksReceived: UInt64 = 0
    /// Suspicions of itself this member refuted (SWIM §4.2).
    public var refutations: UInt64 = 0
    /// Members this member marked suspect (its own probe or gossip).
    public var suspicionsStarted: UInt64 = 0
    /// Independent confirmations counted (Lifeguard §IV-B).
    public var suspicionConfirmations: UInt64 = 0
    /// Suspicions that timed out into unreachable.
    public var suspicionsTimedOut: UInt64 = 0
    /// Push-pull exchanges started (joins included).
    public var pushPullsStarted: UInt64 = 0
    /// Push-pull digests answered.
    public var pushPullsAnswered: UInt64 = 0
    /// Push-pull digests that matched entirely (nothing to send back).
    public var pushPullsInSync: UInt64 = 0
    /// Updates that changed the view.
    public var updatesApplied: UInt64 = 0
    /// Updates that lost to the precedence rules (stale or repeated).
    public var updatesStale: UInt64 = 0
    /// Down notices sent to a member that was downed or still talks while down.
    public var downNoticesSent: UInt64 = 0

    /// Messages whose cluster hash or name is not ours.
    public var refusedOtherCluster: UInt64 = 0
    /// Messages claiming to come from this member's own node.
    public var refusedFromSelf: UInt64 = 0
    /// New members refused because the view holds `Limits.membersMax`.
    public var refusedViewFull: UInt64 = 0
    /// Piggybacked updates past `Limits.gossipUpdatesPerMessageMax`, not read.
    public var refusedGossipOverLimit: UInt64 = 0
    /// Push-pull members past `Limits.pushPullMembersPerMessageMax`, not read.
    public var refusedPushPullOverLimit: UInt64 = 0
    /// Push-pull digests or replies of the wrong shape (bucket count, bucket index).
    public var refusedMalformedDigest: UInt64 = 0
    /// Ping-requests refused because `Limits.swimRelaysMax` are in flight.
    public var refusedRelaysOverLimit: UInt64 = 0
    /// Messages from a generation already finished (replaced, downed, left, removed): answered
    /// with a down notice, otherwise ignored.
    public var refusedRetiredSender: UInt64 = 0
    /// Suspect/unreachable/down/left rumours about members never known (not added).
    public var ignoredUnknownMember: UInt64 = 0
    /// A different generation of a known alive node, second hand (not first-hand from it).
    public var ignoredGenerationConflict: UInt64 = 0
    /// Rumours about a generation already finished (replaced, downed, left, removed).
    public var ignoredRetiredGeneration: UInt64 = 0
    /// The same node and generation with another address.
    public var ignoredAddressConflict: UInt64 = 0
    /// Rumours about another generation of this member's own node.
    public var ignoredAboutOtherSelf: UInt64 = 0
    /// Rumours that this member is alive at an incarnation it never had (answered by raising its own).
    public var forgedSelfAlive: UInt64 = 0
    /// Pings meant for another node (a reused address).
    public var ignoredMisaddressedPing: UInt64 = 0
    /// Acks that match no probe and no relay (late, duplicated or forged).
    public var ignoredUnexpectedAck: UInt64 = 0
    /// Nacks that match no probe in flight, or repeat a relay's nack.
    public var ignoredUnexpectedNack: UInt64 = 0
    /// Push-pull replies or merges to no exchange this member started (merged as gossip, not answered).
    public var unsolicitedPushPull: UInt64 = 0
    /// `onDown` calls naming a member not in the view at that generation, or already terminal.
    public var ignoredDownUnknown: UInt64 = 0

    /// All zero.
    public init() {}
}
