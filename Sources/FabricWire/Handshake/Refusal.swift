import FabricCore

/// Why an acceptor would not take a connection; sent so that the dialer can report it instead
/// of seeing a bare close.
package enum RefusalReason: UInt8, Hashable, Sendable, CaseIterable {
    /// No protocol version both sides speak.
    case versionMismatch = 1
    /// The nodes belong to different clusters.
    case clusterMismatch = 2
    /// The dialer uses the acceptor's own name (two nodes configured alike, or a node dialing
    /// itself).
    case sameNodeName = 3
    /// The nodes are already connected; the other connection wins.
    case duplicateConnection = 4
    /// The acceptor is at a connection limit.
    case overloaded = 5
    /// The hello could not be decoded or made no sense.
    case badHello = 6
    /// The acceptor is shutting down.
    case shuttingDown = 7
}

/// The acceptor's negative answer to a `Hello`; the connection closes after it.
package struct Refusal: Hashable, Sendable {
    /// Why.
    package var reason: RefusalReason
    /// The explanation for people (cut to `Limits.errorMessageBytesMax` bytes when sent).
    package var message: String

    /// A refusal; the message is cut to `Limits.errorMessageBytesMax` bytes when sent.
    package init(reason: RefusalReason, message: String) {
        self.reason = reason
        self.message = message
    }

    func encode(to buffer: inout [UInt8]) {
        WireWriter.appendUInt8(reason.rawValue, to: &buffer)
        WireWriter.appendString(
            WireWriter.truncated(message, maxBytes: Limits.errorMessageBytesMax), to: &buffer)
    }

    static func decode(from reader: inout WireReader) throws(WireError) -> Refusal {
        let rawReason = try reader.readUInt8()
        guard let reason = RefusalReason(rawValue: rawReason) else {
            throw WireError(.malformed, "unknown refusal reason \(rawReason)")
        }
        return Refusal(reason: reason, message: try reader.readString(maxBytes: Limits.errorMessageBytesMax))
    }
}
