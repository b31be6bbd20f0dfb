/// Encodes `Encodable` values in Fabric's compact binary format (see `BinaryWireFormat`), the
/// format of every argument and return value of a remote call.
///
/// Public so that applications can check in their tests that their types survive the trip.
/// Scalars, strings and arrays of them take a fast path that never touches the Codable
/// machinery; other values go through it with one shared state object per call.
package struct BinaryEncoder: Sendable {
    /// Handed to every `encode(to:)` as `Encoder.userInfo` (the actor system puts itself there).
    package var userInfo: [CodingUserInfoKey: any Sendable]
    /// More `userInfo`, from an object this coder does not keep alive (the actor system's own
    /// coders carry the system this way).
    package var context: UnownedCodingContext?

    /// An encoder that hands `userInfo` to the values it codes.
    package init(userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.userInfo = userInfo
    }

    /// Appends the encoding of `value` to `buffer` (the call path encodes straight into a frame
    /// buffer). On failure `buffer` is left as it was.
    package func encode<T: Encodable>(_ value: T, into buffer: inout [UInt8]) throws(WireError) {
        if let primitive = BinaryPrimitive.of(T.self) {
            primitive.append(value, to: &buffer)
            return
        }
        let state = BinaryEncodingState(buffer: &buffer, userInfo: userInfo, context: context)
        do {
            try state.encodeTopLevel(value)
            try state.storage.pointee.finish(into: &buffer)
        } catch {
            let wire = WireError.codingFailure(error, coding: T.self, isDecoding: false)
            let path = error is WireError ? state.storage.pointee.failurePath : nil
            state.storage.pointee.abandon(into: &buffer)
            throw path.map { wire.withCodingPath( $0) } ?? wire
        }
    }

    /// The encoding of `value`.
    package func encode<T: Encodable>(_ value: T) throws(WireError) -> [UInt8] {
        var buffer: [UInt8] = []
        try encode(value, into: &buffer)
        return buffer
    }
}
