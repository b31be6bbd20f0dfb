extension Limits {
    /// Messages at least this large are compressed on the caller's thread before they are
    /// queued (when the peer agreed on compression), instead of on the connection's loop,
    /// where compressing them would hold every control frame behind it (issue 14, §2). Smaller
    /// ones are compressed on the loop, in well under a millisecond.
    public static let offLoopCompressionBytesMin = 256 * 1024
}
