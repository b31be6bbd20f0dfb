/// A piece of a message's wire bytes when those are two parts sent one after the other (a
/// call's envelope header, then its arguments: `OutboundMessage.wireStart`), so that fragments
/// are cut from the parts where they lie instead of from a joined copy (issue 14, §2).
package struct FragmentCut {
    /// The wire bytes `range` covers that lie in the first part, as a range of it.
    package let inFirst: Range<Int>
    /// The wire bytes `range` covers that lie in the second part, as a range of it.
    package let inSecond: Range<Int>

    /// Where wire bytes `range` lie when the first part is `firstBytes` long and the second
    /// `secondBytes`.
    package init(_ range: Range<Int>, firstBytes: Int, secondBytes: Int) {
        precondition(
            firstBytes >= 0 && secondBytes >= 0 && range.lowerBound >= 0 && range.upperBound <= firstBytes + secondBytes,
            "piece \(range) outside parts of \(firstBytes) and \(secondBytes) bytes")
        inFirst = min(range.lowerBound, firstBytes)..<min(range.upperBound, firstBytes)
        inSecond = max(range.lowerBound - firstBytes, 0)..<max(range.upperBound - firstBytes, 0)
    }
}
