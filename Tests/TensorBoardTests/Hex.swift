/// Bytes from a hex string ("0a1b…"), for expected encodings pasted from Python.
func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
}

/// The golden encodings, made with the `tensorboard` Python package 2.21.0's own protobuf
/// classes and record writer:
///
///     from tensorboard.compat.proto import event_pb2, summary_pb2
///     from tensorboard.summary.writer.record_writer import RecordWriter
///     e1 = event_pb2.Event(wall_time=1700000000.5, file_version="brain.Event:2")
///     e2 = event_pb2.Event(wall_time=1700000001.25, step=7, summary=summary_pb2.Summary(value=[
///         summary_pb2.Summary.Value(tag="loss/pixel", simple_value=0.125),
///         summary_pb2.Summary.Value(tag="wait/data_fraction", simple_value=0.0)]))
///     img = summary_pb2.Summary.Image(height=2, width=3, colorspace=3,
///                                     encoded_image_string=bytes.fromhex("89504e470d0a1a0a"))
///     e3 = event_pb2.Event(wall_time=1700000002.0, step=300,
///                          summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="samples", image=img)]))
///     e4 = event_pb2.Event(wall_time=1700000003.0, step=401,
///                          session_log=event_pb2.SessionLog(status=event_pb2.SessionLog.START))
///     e.SerializeToString().hex()                  # for e1, e2, e3, e4
///     b = io.BytesIO(); RecordWriter(b).write(e2.SerializeToString()); b.getvalue().hex()
enum Golden {
    static let fileVersionEvent = hexBytes("0900002040fc54d9411a0d627261696e2e4576656e743a32")
    static let scalarEvent = hexBytes("0900005040fc54d94110072a2e0a110a0a6c6f73732f706978656c150000003e0a190a12776169742f646174615f6672616374696f6e1500000000")
    static let imageEvent = hexBytes("0900008040fc54d94110ac022a1d0a1b0a0773616d706c65732210080210031803220889504e470d0a1a0a")
    static let sessionStartEvent = hexBytes("090000c040fc54d9411091033a020801")
    static let scalarRecord = hexBytes("3b000000000000001a23ac5c" + "0900005040fc54d94110072a2e0a110a0a6c6f73732f706978656c150000003e0a190a12776169742f646174615f6672616374696f6e1500000000" + "cc8dece2")
    /// `RecordWriter(b).write(b"")`: the CRC of eight zero bytes and of nothing, masked.
    static let emptyRecord = hexBytes("000000000000000029039807d8ea82a2")
}
