// The bounds of SWIM membership (MembershipCore): how many members a view holds and how much
// one message may carry. Every message is untrusted input, so each bound is checked on receipt,
// and what is past it is refused and counted, never trusted.

extension Limits {
    /// Members in one node's view, itself and tombstones included; a new member past it is
    /// refused and counted. 4096: memberlist-style clusters are run to a few thousand nodes,
    /// a full push-pull reply at this size (about 60 bytes a member, 250 KB) is still one
    /// control-lane frame far below the 16 MiB frame bound, and the view costs about 1–2 MB.
    public static let membersMax = 4096

    /// Membership updates piggybacked on one SWIM message (ping, ack, gossip, ...). Past it
    /// the rest of a received list is refused and counted. 32 carries a whole λ·log n burst of
    /// a 1,000-member cluster's churn in a few messages while keeping a ping small.
    public static let gossipUpdatesPerMessageMax = 32

    /// Bytes (estimated from names and hosts) of the updates piggybacked on one SWIM message
    /// the sender builds. 4 KiB keeps a probe well inside one TCP segment burst.
    public static let gossipBytesPerMessageMax = 4096

    /// Members carried in one push-pull reply or merge. Equal to `membersMax`, so a join can
    /// learn a whole view in one exchange; past it the rest is refused and counted.
    public static let pushPullMembersPerMessageMax = 4096

    /// Buckets of the push-pull digest (members hashed into them by a stable hash of their
    /// name). A digest with another count is refused. 128 buckets: a 1 KiB digest, and a single
    /// difference in a 1,000-member view costs about 8 members in the reply.
    public static let membershipDigestBuckets = 128

    /// Ping-requests this node relays at once (each waits for the target's ack); past it a
    /// ping-request is refused and counted. Honest load is `indirectProbes` per failed probe
    /// in the cluster, a handful at a time.
    public static let swimRelaysMax = 64

    /// Push-pull exchanges this node started and still waits on; past it the oldest is forgotten.
    public static let pushPullsPendingMax = 16

    /// Seeds one join contacts at once.
    public static let joinSeedsMax = 32

    /// Generations of nodes remembered as finished (replaced by a newer process, downed, left,
    /// removed) so late gossip about them cannot bring them back; past it the oldest is forgotten.
    public static let retiredGenerationsMax = 4096
}

extension Limits {
    /// Members suspected by others that one member keeps to probe out of turn
    /// (`SWIMConfiguration.probesSuspectsEarly`); more suspicions at once wait for the
    /// round-robin like any member.
    public static let earlySuspectProbesMax = 8
}

extension Limits {
    /// References to other nodes' SWIM members (and heartbeat monitors) one node keeps
    /// resolved: one per member it talks to; past it, a reference is made per message instead.
    public static let membershipPeerReferencesMax = 4096
    /// How long after membership downs a process the transport is told (and refuses it): the
    /// core's down notice to that process goes out in the same batch, and would be refused
    /// with it otherwise.
    public static let downNoticeLeadTime: Duration = .milliseconds(200)
    /// The shortest interval at which a node alone in its view dials its seeds again (the
    /// probe interval when longer).
    public static let seedRetryIntervalMin: Duration = .milliseconds(500)
    /// Bytes of a `fabric node --partition-file` read (a test's list of node names).
    public static let partitionFileBytesMax = 64 * 1024
}
