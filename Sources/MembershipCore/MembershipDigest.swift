import FabricCore

/// The push-pull digest: members bucketed by a stable hash of their name, each bucket the XOR
/// of its members' stable hashes — kept up to date on every change (O(1)), so an exchange
/// compares `Limits.membershipDigestBuckets` numbers and sends only the buckets that differ
/// (the "Merkle tree or equivalent" of issue 9: one level, which is enough at 4096 members).
struct MembershipDigest: Sendable {
    static let bucketCount = Limits.membershipDigestBuckets

    private(set) var hashes = [UInt64](repeating: 0, count: bucketCount)
    private(set) var nodes = [[NodeId]](repeating: [], count: bucketCount)

    static func bucket(of node: NodeId) -> Int {
        Int(StableHash.mix(StableHash.of(node.name)) % UInt64(bucketCount))
    }

    mutating func insert(_ member: Member) {
        let bucket = Self.bucket(of: member.node)
        hashes[bucket] ^= StableHash.of(member)
        nodes[bucket].append(member.node)
    }

    mutating func remove(_ member: Member) {
        let bucket = Self.bucket(of: member.node)
        hashes[bucket] ^= StableHash.of(member)
        if let index = nodes[bucket].firstIndex(of: member.node) { nodes[bucket].remove(at: index) }
    }

    mutating func change(from old: Member, to new: Member) {
        let bucket = Self.bucket(of: new.node)
        hashes[bucket] ^= StableHash.of(old) ^ StableHash.of(new)
    }
}
