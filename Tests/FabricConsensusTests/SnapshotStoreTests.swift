import FabricCore
import Foundation
import Testing
@testable import FabricConsensus

/// Snapshots are written atomically and the newest intact one is loaded.
@Suite struct SnapshotStoreTests {
    @Test func theNewestSnapshotComesBackAndOldOnesArePruned() throws {
        let directory = WriteAheadLogTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SnapshotStore(directory: directory)
        #expect(try store.loadNewest().snapshot == nil)
        for index in [10, 20, 30] as [UInt64] {
            try store.save(SnapshotStore.Snapshot(index: index, term: 2, data: Array("state at \(index)".utf8)))
        }
        let loaded = try store.loadNewest().snapshot
        #expect(loaded == SnapshotStore.Snapshot(index: 30, term: 2, data: Array("state at 30".utf8)))
        #expect(try store.snapshotNames().count == Limits.snapshotsKept)
    }

    /// A damaged newest snapshot is skipped (and named) in favour of the one before it.
    @Test func aDamagedNewestSnapshotFallsBackToTheOneBefore() throws {
        let directory = WriteAheadLogTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SnapshotStore(directory: directory)
        try store.save(SnapshotStore.Snapshot(index: 10, term: 1, data: [1, 2, 3]))
        try store.save(SnapshotStore.Snapshot(index: 20, term: 1, data: [4, 5, 6]))
        let newest = directory + "/" + (try store.snapshotNames().last!)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: newest)))
        bytes[bytes.count - 1] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: newest))
        let (snapshot, skipped) = try store.loadNewest()
        #expect(snapshot?.index == 10)
        #expect(skipped == [newest])
    }

    /// A crash before the rename leaves a temporary file: never loaded, removed by the next save.
    @Test func aLeftoverTemporaryFileIsIgnored() throws {
        let directory = WriteAheadLogTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SnapshotStore(directory: directory)
        try store.save(SnapshotStore.Snapshot(index: 5, term: 1, data: [9]))
        let leftover = directory + "/" + SnapshotStore.fileName(index: 9, term: 1) + ".tmp"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: leftover))
        #expect(try store.loadNewest().snapshot?.index == 5)
        try store.save(SnapshotStore.Snapshot(index: 6, term: 1, data: [9]))
        #expect(!FileManager.default.fileExists(atPath: leftover))
    }

    /// A file whose name and header disagree is not trusted.
    @Test func aRenamedSnapshotIsNotTrusted() throws {
        let snapshot = SnapshotStore.Snapshot(index: 3, term: 1, data: [7, 7])
        let bytes = SnapshotStore.header(for: snapshot) + snapshot.data
        #expect(SnapshotStore.parse(bytes, name: SnapshotStore.fileName(index: 3, term: 1)) == snapshot)
        #expect(SnapshotStore.parse(bytes, name: SnapshotStore.fileName(index: 4, term: 1)) == nil)
        #expect(SnapshotStore.parse(Array(bytes.dropLast()), name: SnapshotStore.fileName(index: 3, term: 1)) == nil)
    }
}
