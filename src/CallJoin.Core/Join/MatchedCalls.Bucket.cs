using System.Runtime.InteropServices;

namespace CallJoin.Core.Join;

public sealed partial class MatchedCalls
{
    /// <summary>One slice of matched time: an open-addressing table of entries, reused for a later slice once dropped.</summary>
    private sealed class Bucket
    {
        /// <summary>The bucket number (matched time / width) this slot holds; meaningful only while Count is non-zero.</summary>
        public long Number = NoBucket;

        public int Count;

        /// <summary>Linear probing; a zero fingerprint marks an empty slot. Empty until the first entry.</summary>
        public Entry[] Table = [];

        /// <summary>Stores or overwrites an entry; true when the key was not in this bucket.</summary>
        public bool Insert(ulong fingerprint, uint startHash, uint endHash)
        {
            // Load at most 3/4: past it, linear probing's misses (every new call probes every bucket) get long.
            if ((Count + 1) * 4L > Table.Length * 3L)
            {
                Grow();
            }

            var table = Table;
            var mask = table.Length - 1;
            var i = (int)fingerprint & mask;
            while (table[i].Fingerprint != 0)
            {
                if (table[i].Fingerprint == fingerprint)
                {
                    table[i].StartHash = startHash;
                    table[i].EndHash = endHash;
                    return false;
                }

                i = (i + 1) & mask;
            }

            table[i] = new Entry(fingerprint, startHash, endHash);
            Count++;
            return true;
        }

        public bool TryGet(ulong fingerprint, out uint startHash, out uint endHash)
        {
            var table = Table;
            var mask = table.Length - 1;
            var i = (int)fingerprint & mask;
            while (true)
            {
                ref readonly var entry = ref table[i];
                if (entry.Fingerprint == fingerprint)
                {
                    startHash = entry.StartHash;
                    endHash = entry.EndHash;
                    return true;
                }

                if (entry.Fingerprint == 0)
                {
                    startHash = 0;
                    endHash = 0;
                    return false;
                }

                i = (i + 1) & mask;
            }
        }

        /// <summary>Empties the bucket, keeping its table for the next slice unless it was mostly idle.</summary>
        public void Clear()
        {
            if (Count != 0)
            {
                // A table used below 1/16 keeps memory a quieter stream no longer needs; it regrows from small if needed.
                if (Table.Length > MinTableCapacity && Count * 16L < Table.Length)
                {
                    Table = [];
                }
                else
                {
                    Array.Clear(Table);
                }
            }

            Count = 0;
            Number = NoBucket;
        }

        private void Grow()
        {
            var old = Table;
            var table = new Entry[Math.Max(MinTableCapacity, old.Length * 2)];
            var mask = table.Length - 1;
            foreach (var entry in old)
            {
                if (entry.Fingerprint == 0)
                {
                    continue;
                }

                var i = (int)entry.Fingerprint & mask;
                while (table[i].Fingerprint != 0)
                {
                    i = (i + 1) & mask;
                }

                table[i] = entry;
            }

            Table = table;
        }
    }

    /// <summary>A remembered call: its key's fingerprint and the low halves of its two content hashes.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct Entry(ulong fingerprint, uint startHash, uint endHash)
    {
        public ulong Fingerprint = fingerprint;
        public uint StartHash = startHash;
        public uint EndHash = endHash;
    }
}
