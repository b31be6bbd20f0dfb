/// One decoded frame: its header fields and its payload, already checked against its CRC32C
/// trailer and decompressed.
package struct Frame: Hashable, Sendable {
    /// What the payload holds.
    package var kind: FrameKind
    /// 0...3; 3 is control traffic.
    package var priority: UInt8
    /// The call id (call, reply, one-way), 0 (handshake) or a sequence number (system).
    package var messageID: UInt64
    /// The payload bytes. They may share storage with other frames' payloads; `startIndex` is
    /// not necessarily 0.
    package var payload: ArraySlice<UInt8>

    /// A frame from its parts (the decoder's output; tests build expected frames with it).
    package init(kind: FrameKind, priority: UInt8, messageID: UInt64, payload: ArraySlice<UInt8>) {
        self.kind = kind
        self.priority = priority
        self.messageID = messageID
        self.payload = payload
    }
}
