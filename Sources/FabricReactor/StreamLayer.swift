/// Which side of a connection a stream is on: layers that shake hands (TLS) play different
/// parts on each.
package enum StreamRole: Sendable, Hashable {
    /// This side connected (it sends the first bytes of a client handshake).
    case dialer
    /// This side accepted.
    case acceptor
}

/// Chooses what goes between a connection's socket and its frame codec (a TLS session, say):
/// given to the transport in its configuration, asked once per connection, dialed and accepted
/// alike. Without one a connection uses its `TCPStream` directly.
package protocol StreamLayer: Sendable {
    /// The stream a connection should use over `stream`, which is connected but not started,
    /// on its loop (the returned stream starts it). Called on `stream.loop`.
    func makeStream(over stream: TCPStream, role: StreamRole) -> any ByteStream
}

/// A layer of `LayeredByteStream`s, each with a fresh session from `makeSession`.
package struct SessionStreamLayer: StreamLayer {
    private let makeSession: @Sendable (StreamRole) -> any StreamSession

    package init(_ makeSession: @escaping @Sendable (StreamRole) -> any StreamSession) {
        self.makeSession = makeSession
    }

    package func makeStream(over stream: TCPStream, role: StreamRole) -> any ByteStream {
        LayeredByteStream(over: stream, session: makeSession(role))
    }
}
