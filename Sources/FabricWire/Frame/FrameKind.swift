/// What a frame carries, from bits 0-2 of its flags. Values 5-7 are invalid (`badFlags`).
package enum FrameKind: UInt8, Sendable, CaseIterable {
    /// A `HandshakeMessage`; message id 0, never compressed.
    case handshake = 0
    /// A `CallEnvelope` expecting a reply; message id is the call id.
    case call = 1
    /// A `ReplyEnvelope`; message id is the id of the call it answers.
    case reply = 2
    /// A `CallEnvelope` expecting no reply; message id is the call id (for tracing and dedup).
    case oneway = 3
    /// A `SystemMessage` (keepalive, peers, goodbye); message id is a per-connection sequence.
    case system = 4
}
