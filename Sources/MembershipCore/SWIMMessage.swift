import FabricCore

/// What every SWIM message starts with: who sends it, for which cluster, and the gossip it
/// piggybacks (SWIM §4.1: dissemination rides on the failure detector's messages).
public struct SWIMHeader: Sendable, Hashable, Codable {
    /// The sender's own entry: first-hand news of it (its generation and incarnation).
    public var sender: Member
    /// FNV-1a 64 of the cluster name: a message from another cluster is refused and counted.
    public var clusterHash: UInt64
    /// Piggybacked updates, at most `Limits.gossipUpdatesPerMessageMax` are read.
    public var gossip: [MemberUpdate]

    /// A header.
    public init(sender: Member, clusterHash: UInt64, gossip: [MemberUpdate]) {
        self.sender = sender
        self.clusterHash = clusterHash
        self.gossip = gossip
    }
}

/// Everything one member sends another. Each is one-way and may be lost.
public enum SWIMMessage: Sendable, Hashable, Codable {
    /// SWIM §3.1: are you there? `target` names the node meant (a ping reaching another node
    /// at a reused address is ignored and counted).
    case ping(SWIMHeader, sequence: UInt32, target: NodeId)
    /// SWIM §3.1: please ping `target` for me and relay its ack (and, Lifeguard §IV-A, a nack
    /// if `wantsNack` and no ack came in 80 % of the probe timeout). `sequence` is the origin's.
    case pingRequest(SWIMHeader, sequence: UInt32, target: MemberIdentity, wantsNack: Bool)
    /// `target` is alive: the answer to a ping, or relayed by the member that pinged for a
    /// ping-request (then the sender is the relay and `target` the probed member).
    case ack(SWIMHeader, sequence: UInt32, target: NodeId)
    /// Lifeguard §IV-A: the relay is alive and asked, but `target` did not answer in time.
    case nack(SWIMHeader, sequence: UInt32, target: NodeId)
    /// Gossip alone (the gossip tick, a leave, a down notice).
    case gossip(SWIMHeader)
    /// Anti-entropy (memberlist's push-pull, with digests): see `PushPull`.
    case pushPull(SWIMHeader, PushPull)

    /// The header every case carries.
    public var header: SWIMHeader {
        switch self {
        case .ping(let header, _, _), .pingRequest(let header, _, _, _), .ack(let header, _, _),
            .nack(let header, _, _), .gossip(let header), .pushPull(let header, _):
            return header
        }
    }
}

/// One step of a push-pull exchange: the origin sends the hashes of its digest buckets, the
/// peer answers with its members of the buckets that differ, the origin merges them and sends
/// back its own members of those buckets. A join is a push-pull with an empty digest (every
/// bucket differs).
public struct PushPull: Sendable, Hashable, Codable {
    /// The cluster's name, checked in full (the header only carries its hash).
    public var cluster: String
    /// The origin's number for this exchange: only a reply to an exchange it started gets merged back.
    public var sequence: UInt32
    /// The step.
    public var phase: Phase

    /// The steps.
    public enum Phase: Sendable, Hashable, Codable {
        /// The origin's bucket hashes (`Limits.membershipDigestBuckets` of them), or none for a join.
        case digest(join: Bool, bucketHashes: [UInt64])
        /// The peer's members of the buckets that differ, and which buckets those are.
        case reply(buckets: [UInt16], members: [Member])
        /// The origin's members of those buckets, after merging the reply.
        case merge(members: [Member])
    }

    /// A push-pull step.
    public init(cluster: String, sequence: UInt32, phase: Phase) {
        self.cluster = cluster
        self.sequence = sequence
        self.phase = phase
    }
}
