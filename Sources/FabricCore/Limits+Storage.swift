extension Limits {
    /// Bytes after which the write-ahead log starts a new segment file. Whole segments are what
    /// compaction deletes, so smaller segments free disk sooner; larger ones mean fewer files
    /// (etcd uses 64 MB).
    public static let walSegmentBytes = 64 * 1024 * 1024
    /// Bytes of one write-ahead-log record (an entry with its header). Checked before a record
    /// is read into memory: a length field above it is a torn or corrupt record, not an
    /// allocation. One frame's worth (16 MiB) plus room for the record's own fields.
    public static let walRecordBytesMax = 16 * 1024 * 1024 + 4096
    /// Bytes of one segment file read at recovery: a segment is closed once it passes
    /// `walSegmentBytes`, and one append is at most that much, so a longer file is not one this
    /// log wrote.
    public static let walSegmentReadBytesMax = 2 * walSegmentBytes + walRecordBytesMax
    /// Segment files one log directory may hold; opening refuses more (a directory this full is
    /// not a log compaction kept up with, and reading it all would take unbounded memory).
    public static let walSegmentsMax = 4096
    /// Bytes of one snapshot file; a larger one is refused when written and when read.
    public static let snapshotBytesMax = 1024 * 1024 * 1024
    /// Snapshot files kept on disk: the newest, and older ones to fall back on if it is
    /// damaged.
    public static let snapshotsKept = 2
}
