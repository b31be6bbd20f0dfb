/// A frame index with the serial number it had when handed out, so that an encoder or
/// container used after its value finished is caught instead of writing into another slot.
struct BinaryFrameReference {
    let index: Int
    let serial: UInt32

    /// The error for a container or coder used after the value it belongs to was finished.
    static let staleError = WireError(.unsupported, "a coding container was used after its value's coding returned")
}
