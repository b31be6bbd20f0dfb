extension Limits {
    /// Members whose latest membership event a node keeps to replay to a new cluster-event
    /// subscription. Membership bounds its own table well below this; the bound is here so the
    /// replay cannot grow with whatever a bug or a future source publishes.
    public static let clusterEventReplayMembersMax = 16_384
}

extension Limits {
    /// References to other nodes' SWIM members one member keeps resolved (one per member it
    /// talks to; past it, a reference is made per message instead of remembered).
    public static let membershipPeerReferencesMax = 4096
}
