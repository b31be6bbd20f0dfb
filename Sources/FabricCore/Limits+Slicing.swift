extension Limits {
    /// Messages at least this large are compressed on the caller's thread before they are
    /// queued (when the peer agreed on compression), instead of on the connection's loop,
    /// where compressing them would hold every control frame behind it (issue 14, §2). Smaller
    /// ones are compressed on the loop, in well under a millisecond.
    public static let offLoopCompressionBytesMin = 256 * 1024
}

extension Limits {
    /// Output bytes per slice when a frame decoder decompresses large messages in slices
    /// (`FrameDecoder.decompressionSliceBytes`, `FrameDecoder+Slices`). The transport does not
    /// turn slicing on yet: measured behind 16 MB bulk it made the tail worse, not better
    /// (Docs/Performance.md, "Control calls behind bulk").
    public static let decompressionSliceBytes = 1024 * 1024
}
