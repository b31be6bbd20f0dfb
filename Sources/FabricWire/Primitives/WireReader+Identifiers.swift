import FabricCore

/// Readers for the identifiers that recur across messages. Each one validates what it reads
/// with the same rule the type applies to local input, so a name or path from the wire is never
/// more permissive than one from a configuration file.
extension WireReader {
    /// Reads a node name (varint length + bytes), validated by `NodeId(validating:)`.
    package mutating func readNodeId() throws(WireError) -> NodeId {
        let name = try readString(maxBytes: Limits.nodeNameBytesMax)
        guard let node = NodeId(validating: name) else {
            throw WireError(.malformed, "invalid node name \(name.debugDescription)")
        }
        return node
    }

    /// Reads a cluster name: the same alphabet as node names, at most
    /// `Limits.clusterNameBytesMax` bytes.
    package mutating func readClusterName() throws(WireError) -> String {
        let name = try readString(maxBytes: Limits.clusterNameBytesMax)
        guard WireNames.isValidClusterName(name) else {
            throw WireError(.malformed, "invalid cluster name \(name.debugDescription)")
        }
        return name
    }

    /// Reads an actor ID: node name, generation (8 bytes BE), path (validated by
    /// `ActorID.isValidPath`).
    package mutating func readActorID() throws(WireError) -> ActorID {
        let node = try readNodeId()
        let generation = try readBigEndian(UInt64.self)
        let path = try readString(maxBytes: Limits.actorPathBytesMax)
        guard let id = ActorID(node: node, generation: generation, validatingPath: path) else {
            throw WireError(.malformed, "invalid actor path \(path.debugDescription)")
        }
        return id
    }

    /// Reads a listen address: host (printable ASCII, no spaces, at most `Limits.hostBytesMax`
    /// bytes) and port (2 bytes BE).
    package mutating func readNodeAddress() throws(WireError) -> NodeAddress {
        let host = try readString(maxBytes: Limits.hostBytesMax)
        guard WireNames.isValidHost(host) else {
            throw WireError(.malformed, "invalid host \(host.debugDescription)")
        }
        let port = try readBigEndian(UInt16.self)
        return NodeAddress(uncheckedHost: host, port: port)
    }

    /// Reads a presence byte (0 or 1) and, when 1, an address.
    package mutating func readOptionalNodeAddress() throws(WireError) -> NodeAddress? {
        try readBool() ? readNodeAddress() : nil
    }
}
