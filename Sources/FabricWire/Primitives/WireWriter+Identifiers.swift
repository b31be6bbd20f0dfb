import FabricCore

/// Writers for the identifiers that recur across messages; layouts mirror `WireReader`'s readers.
extension WireWriter {
    /// Appends a node name (varint length + bytes).
    package static func appendNodeId(_ node: NodeId, to buffer: inout [UInt8]) {
        appendString(node.name, to: &buffer)
    }

    /// Appends an actor ID: node name, generation (8 bytes BE), path.
    package static func appendActorID(_ id: ActorID, to buffer: inout [UInt8]) {
        appendNodeId(id.node, to: &buffer)
        appendBigEndian(id.generation, to: &buffer)
        appendString(id.path, to: &buffer)
    }

    /// Appends a listen address: host then port (2 bytes BE).
    ///
    /// `NodeAddress(host:port:)` does not validate, so this checks the host here: sending one the
    /// peer must reject is a configuration error better caught at the source.
    package static func appendNodeAddress(_ address: NodeAddress, to buffer: inout [UInt8]) {
        precondition(
            WireNames.isValidHost(address.host),
            "address host \(address.host.debugDescription) is not a valid host for the wire")
        appendString(address.host, to: &buffer)
        appendBigEndian(address.port, to: &buffer)
    }

    /// Appends a presence byte and, when present, the address.
    package static func appendOptionalNodeAddress(_ address: NodeAddress?, to buffer: inout [UInt8]) {
        guard let address else {
            appendUInt8(0, to: &buffer)
            return
        }
        appendUInt8(1, to: &buffer)
        appendNodeAddress(address, to: &buffer)
    }
}
