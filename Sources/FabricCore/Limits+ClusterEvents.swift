extension Limits {
    /// Members whose latest membership event a node keeps to replay to a new cluster-event
    /// subscription. Membership bounds its own table well below this; the bound is here so the
    /// replay cannot grow with whatever a bug or a future source publishes.
    public static let clusterEventReplayMembersMax = 16_384
}
