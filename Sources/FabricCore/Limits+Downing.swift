// Bounds of the split-brain resolver (MembershipCore/Downing).

extension Limits {
    /// Members in one view handed to the keep-majority resolver. A larger view is refused
    /// (counted, and the resolver forgets its window so nothing is downed on a view it could not
    /// read).
    public static let downingViewMembersMax = 16_384
}
