/// Why bytes from the wire could not be turned into a frame, a message or a value.
///
/// Every decoder in FabricWire fails with this error and nothing else: the transport turns it
/// into a closed connection with a reason and a counter (a broken frame), or a `serialization`
/// error for one call (a broken value). The message never contains payload bytes.
package struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: UInt8
        private init(_ raw: UInt8) { self.raw = raw }

        /// The input ended before the value or frame was complete.
        package static let truncated = Code(1)
        /// A frame's length is over the negotiated maximum (or under the header's size).
        package static let frameTooLarge = Code(2)
        /// A handshake did not start with Fabric's magic.
        package static let badMagic = Code(3)
        /// No protocol version both sides speak.
        package static let unsupportedVersion = Code(4)
        /// Flag bits that are reserved or meaningless together.
        package static let badFlags = Code(5)
        /// The CRC32C trailer does not match.
        package static let checksumMismatch = Code(6)
        /// zstd could not decompress the payload, or it would exceed the frame limit.
        package static let decompressionFailed = Code(7)
        /// A structurally invalid message or value (bad tag, bad UTF-8, bad name).
        package static let malformed = Code(8)
        /// A count, length or depth over one of `Limits`.
        package static let limitExceeded = Code(9)
        /// The bytes hold a different type or shape than the one asked for.
        package static let typeMismatch = Code(10)
        /// Something this implementation does not support (on encode or decode).
        package static let unsupported = Code(11)
        /// Bytes left over after a value that should have used them all.
        package static let trailingBytes = Code(12)

        package var description: String {
            switch raw {
            case 1: "truncated"
            case 2: "frameTooLarge"
            case 3: "badMagic"
            case 4: "unsupportedVersion"
            case 5: "badFlags"
            case 6: "checksumMismatch"
            case 7: "decompressionFailed"
            case 8: "malformed"
            case 9: "limitExceeded"
            case 10: "typeMismatch"
            case 11: "unsupported"
            case 12: "trailingBytes"
            default: "code\(raw)"
            }
        }
    }

    package let code: Code
    /// What was wrong, for logs and for the reason sent when a connection is closed.
    package let message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { "\(code): \(message)" }
}
