using System.Runtime.InteropServices;

namespace CallJoin.EmbeddedClickHouse.Engine;

/// <summary>The parts of chDB's C API (chdb.h, 26.7) the endpoint uses. Pointers are opaque handles.</summary>
internal static unsafe partial class ChdbNative
{
    public const string Library = "chdb";

    static ChdbNative() => NativeLibrary.SetDllImportResolver(typeof(ChdbNative).Assembly, Resolve);

    [LibraryImport(Library, EntryPoint = "chdb_version")]
    public static partial byte* Version();

    [LibraryImport(Library, EntryPoint = "chdb_set_signal_handlers_enabled")]
    public static partial void SetSignalHandlersEnabled(int enabled);

    /// <summary>Returns a pointer to a connection handle (<c>chdb_connection*</c>), or null when the arguments are refused.</summary>
    [LibraryImport(Library, EntryPoint = "chdb_connect")]
    public static partial nint* Connect(int argc, byte** argv);

    [LibraryImport(Library, EntryPoint = "chdb_close_conn")]
    public static partial void CloseConnection(nint* connection);

    [LibraryImport(Library, EntryPoint = "chdb_query_n")]
    public static partial nint Query(nint connection, byte* query, nuint queryLength, byte* format, nuint formatLength);

    [LibraryImport(Library, EntryPoint = "chdb_query_with_params_n")]
    public static partial nint QueryWithParameters(
        nint connection, byte* query, nuint queryLength, byte* format, nuint formatLength,
        byte** names, nuint* nameLengths, byte** values, nuint* valueLengths, nuint count);

    [LibraryImport(Library, EntryPoint = "chdb_stream_insert_with_params_n")]
    public static partial nint BeginInsert(
        nint connection, byte* query, nuint queryLength, byte* format, nuint formatLength,
        byte** names, nuint* nameLengths, byte** values, nuint* valueLengths, nuint count);

    [LibraryImport(Library, EntryPoint = "chdb_stream_append")]
    public static partial int Append(nint stream, byte* data, nuint length);

    [LibraryImport(Library, EntryPoint = "chdb_stream_done")]
    public static partial nint FinishInsert(nint stream);

    [LibraryImport(Library, EntryPoint = "chdb_stream_insert_error")]
    public static partial byte* InsertError(nint stream);

    [LibraryImport(Library, EntryPoint = "chdb_destroy_insert_stream")]
    public static partial void DestroyInsert(nint stream);

    [LibraryImport(Library, EntryPoint = "chdb_result_buffer")]
    public static partial byte* ResultBuffer(nint result);

    [LibraryImport(Library, EntryPoint = "chdb_result_length")]
    public static partial nuint ResultLength(nint result);

    [LibraryImport(Library, EntryPoint = "chdb_result_elapsed")]
    public static partial double ResultElapsed(nint result);

    [LibraryImport(Library, EntryPoint = "chdb_result_rows_read")]
    public static partial ulong ResultRowsRead(nint result);

    [LibraryImport(Library, EntryPoint = "chdb_result_bytes_read")]
    public static partial ulong ResultBytesRead(nint result);

    [LibraryImport(Library, EntryPoint = "chdb_result_rows_written")]
    public static partial ulong ResultRowsWritten(nint result);

    [LibraryImport(Library, EntryPoint = "chdb_result_bytes_written")]
    public static partial ulong ResultBytesWritten(nint result);

    [LibraryImport(Library, EntryPoint = "chdb_result_error")]
    public static partial byte* ResultError(nint result);

    [LibraryImport(Library, EntryPoint = "chdb_destroy_query_result")]
    public static partial void DestroyResult(nint result);

    private static nint Resolve(string name, System.Reflection.Assembly assembly, DllImportSearchPath? searchPath) =>
        name == Library ? NativeLibrary.Load(ChdbLibraryLocator.Locate()) : 0;
}
