import FabricCore

/// Validity rules for names that have no type of their own in FabricCore.
package enum WireNames {
    /// Whether `name` can name a cluster: like a node name, 1 to `Limits.clusterNameBytesMax`
    /// bytes of `[A-Za-z0-9._-]`, so it is safe in logs and metrics labels.
    package static func isValidClusterName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard !bytes.isEmpty, bytes.count <= Limits.clusterNameBytesMax else { return false }
        return bytes.allSatisfy(NodeId.isNameByte)
    }

    /// Whether `host` is 1 to `Limits.hostBytesMax` bytes of printable ASCII without spaces, the
    /// rule `NodeAddress(parsing:)` applies.
    package static func isValidHost(_ host: String) -> Bool {
        NodeAddress.isValidHost(host)
    }
}
