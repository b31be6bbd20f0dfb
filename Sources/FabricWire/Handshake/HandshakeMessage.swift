/// The payload of a handshake frame (kind 0, message id 0): the 4-byte magic `FBRC`, a message
/// type byte, then the message.
///
/// The dialer sends a `Hello`; the acceptor answers with a `Welcome` or a `Refusal`. Nothing
/// else travels on the connection until the dialer has the welcome.
package enum HandshakeMessage: Hashable, Sendable {
    /// The dialer's opening message.
    case hello(Hello)
    /// The acceptor's agreement.
    case welcome(Welcome)
    /// The acceptor's explained refusal; the connection closes after it.
    case refusal(Refusal)

    /// `FBRC`: tells a Fabric peer from anything else that connected to the port (an HTTP
    /// client, a port scanner) on the first bytes.
    package static let magic: [UInt8] = Array("FBRC".utf8)

    /// The type byte after the magic.
    enum MessageType: UInt8 {
        case hello = 1
        case welcome = 2
        case refusal = 3
    }

    /// Appends the payload (magic, type, message) to `buffer`.
    package func encode(into buffer: inout [UInt8]) {
        buffer.append(contentsOf: Self.magic)
        switch self {
        case .hello(let hello):
            WireWriter.appendUInt8(MessageType.hello.rawValue, to: &buffer)
            hello.encode(to: &buffer)
        case .welcome(let welcome):
            WireWriter.appendUInt8(MessageType.welcome.rawValue, to: &buffer)
            welcome.encode(to: &buffer)
        case .refusal(let refusal):
            WireWriter.appendUInt8(MessageType.refusal.rawValue, to: &buffer)
            refusal.encode(to: &buffer)
        }
    }
}
