import FabricCore
import FabricWire

/// Snapshots of a replicated state machine on disk, written atomically.
///
/// A snapshot is one file `snap-<term>-<index>.snap` (16 hex digits each): a header — magic
/// `FSNP`, a format version, the index and term it covers, the length and CRC-32C of the data —
/// then the data. Writing follows the sequence that survives a crash at any point: write
/// `….tmp`, `fdatasync` it, `rename` it over the final name, `fsync` the directory. A crash
/// before the rename leaves only a `.tmp`, which is ignored and removed; after it, the whole
/// file. Loading takes the newest snapshot whose header and checksum hold, so a damaged newest
/// one falls back to the one before (`Limits.snapshotsKept` are kept).
package struct SnapshotStore: Sendable {
    /// A snapshot read back.
    package struct Snapshot: Equatable, Sendable {
        package var index: UInt64
        package var term: UInt64
        package var data: [UInt8]

        package init(index: UInt64, term: UInt64, data: [UInt8]) {
            self.index = index
            self.term = term
            self.data = data
        }
    }

    /// The store's directory.
    package let directory: String

    static let magic: [UInt8] = Array("FSNP".utf8)
    static let version: UInt8 = 1
    static let headerBytes = 4 + 1 + 8 + 8 + 8 + 4

    /// A store in `directory` (created if missing).
    package init(directory: String) throws(StorageError) {
        self.directory = directory
        try DurableFile.makeDirectory(directory)
    }

    /// Writes `snapshot` durably and atomically, then removes all but the newest
    /// `Limits.snapshotsKept` snapshots and any leftover temporary files.
    package func save(_ snapshot: Snapshot) throws(StorageError) {
        guard snapshot.data.count <= Limits.snapshotBytesMax - Self.headerBytes else {
            throw StorageError(.limit, "a snapshot of \(snapshot.data.count) bytes is past the \(Limits.snapshotBytesMax) allowed")
        }
        let name = Self.fileName(index: snapshot.index, term: snapshot.term)
        let temporary = directory + "/" + name + ".tmp"
        try DurableFile.remove(temporary)
        do {
            let file = try DurableFile(path: temporary, create: true)
            try file.append(Self.header(for: snapshot) + snapshot.data)
            try file.sync()
        }
        try DurableFile.rename(temporary, to: directory + "/" + name)
        try DurableFile.syncDirectory(directory)
        try prune()
    }

    /// The newest intact snapshot, or nil when there is none. Damaged ones are skipped (and
    /// reported in `skipped`, for the log); they are not removed, so an operator can look.
    package func loadNewest() throws(StorageError) -> (snapshot: Snapshot?, skipped: [String]) {
        var skipped: [String] = []
        for name in try snapshotNames().reversed() {
            let path = directory + "/" + name
            let file = try DurableFile(path: path, create: false)
            let bytes = try file.readAll(limit: Limits.snapshotBytesMax)
            if let snapshot = Self.parse(bytes, name: name) {
                return (snapshot, skipped)
            }
            skipped.append(path)
        }
        return (nil, skipped)
    }

    /// Snapshot files on disk, oldest first (by index, then term).
    package func snapshotNames() throws(StorageError) -> [String] {
        try DurableFile.list(directory, limit: Limits.walSegmentsMax)
            .filter { Self.coordinates(of: $0) != nil }
            .sorted { Self.coordinates(of: $0)!.index < Self.coordinates(of: $1)!.index }
    }

    private func prune() throws(StorageError) {
        let names = try DurableFile.list(directory, limit: Limits.walSegmentsMax)
        for name in names where name.hasSuffix(".snap.tmp") {
            try DurableFile.remove(directory + "/" + name)
        }
        let snapshots = try snapshotNames()
        for name in snapshots.dropLast(Limits.snapshotsKept) {
            try DurableFile.remove(directory + "/" + name)
        }
        try DurableFile.syncDirectory(directory)
    }

    static func header(for snapshot: Snapshot) -> [UInt8] {
        var header = magic
        header.append(version)
        for value in [snapshot.index, snapshot.term, UInt64(snapshot.data.count)] {
            withUnsafeBytes(of: value.littleEndian) { header.append(contentsOf: $0) }
        }
        let checksum = snapshot.data.withUnsafeBytes { CRC32C.checksum($0) }
        withUnsafeBytes(of: checksum.littleEndian) { header.append(contentsOf: $0) }
        return header
    }

    /// The snapshot in `bytes` if its header, name, length and checksum all agree.
    static func parse(_ bytes: [UInt8], name: String) -> Snapshot? {
        guard bytes.count >= headerBytes, Array(bytes[0..<4]) == magic, bytes[4] == version,
            let named = coordinates(of: name)
        else { return nil }
        func load64(_ offset: Int) -> UInt64 {
            bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        }
        let index = load64(5), term = load64(13), count = load64(21)
        let checksum = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 29, as: UInt32.self)) }
        guard index == named.index, term == named.term, count == UInt64(bytes.count - headerBytes) else { return nil }
        let data = Array(bytes[headerBytes...])
        guard data.withUnsafeBytes({ CRC32C.checksum($0) }) == checksum else { return nil }
        return Snapshot(index: index, term: term, data: data)
    }

    static func fileName(index: UInt64, term: UInt64) -> String {
        "snap-" + hex16(term) + "-" + hex16(index) + ".snap"
    }

    static func coordinates(of name: String) -> (index: UInt64, term: UInt64)? {
        guard name.hasPrefix("snap-"), name.hasSuffix(".snap"), name.utf8.count == 5 + 16 + 1 + 16 + 5 else { return nil }
        let body = name.dropFirst(5).dropLast(5)
        let parts = body.split(separator: "-")
        guard parts.count == 2, let term = UInt64(parts[0], radix: 16), let index = UInt64(parts[1], radix: 16) else { return nil }
        return (index, term)
    }

    private static func hex16(_ value: UInt64) -> String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
