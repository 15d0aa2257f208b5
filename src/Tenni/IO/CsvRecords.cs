using System.Text;

namespace Tenni.IO;

/// <summary>
/// A small RFC 4180 reader: comma-separated fields, double-quoted fields may hold commas, quotes (doubled)
/// and line breaks; CRLF or LF ends a record; blank lines are skipped. Bounded: a record longer than
/// <c>maxRecordChars</c> or more than <c>maxRecords</c> records is refused, never read on.
/// </summary>
internal static class CsvRecords
{
    /// <summary>The records of <paramref name="text"/> with the line each starts on (1-based).</summary>
    public static List<(int Line, string[] Fields)> Parse(string text, string where, int maxRecordChars, int maxRecords)
    {
        var records = new List<(int, string[])>();
        int i = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0; // a byte-order mark is not part of the header
        int line = 1;
        var field = new StringBuilder();
        while (i < text.Length)
        {
            int start = i, startLine = line;
            var fields = new List<string>();
            bool quotedAny = false;
            while (true)
            {
                field.Clear();
                if (i < text.Length && text[i] == '"')
                {
                    quotedAny = true;
                    i = Quoted(text, i + 1, field, ref line, where, startLine);
                    if (i < text.Length && text[i] is not (',' or '\r' or '\n'))
                    {
                        throw new TenniException($"line {line} of {where}: text after a closing quote; a quoted field ends at the quote (write a quote inside one as \"\")");
                    }
                }
                else
                {
                    for (; i < text.Length && text[i] is not (',' or '\r' or '\n'); i++)
                    {
                        if (text[i] == '"')
                        {
                            throw new TenniException($"line {line} of {where}: a quote inside an unquoted field; quote the whole field and double the quote (\"a \"\"b\"\"\")");
                        }

                        field.Append(text[i]);
                    }
                }

                fields.Add(field.ToString());
                if (i - start > maxRecordChars)
                {
                    throw new TenniException($"line {startLine} of {where} is longer than {maxRecordChars} characters; is it a CSV file of photo paths and labels?");
                }

                if (i < text.Length && text[i] == ',')
                {
                    i++;
                    continue;
                }

                break;
            }

            i += i < text.Length && text[i] == '\r' ? 1 : 0;
            i += i < text.Length && text[i] == '\n' ? 1 : 0;
            line++;
            if (fields.Count == 1 && fields[0].Length == 0 && !quotedAny)
            {
                continue; // a blank line
            }

            if (records.Count == maxRecords)
            {
                throw new TenniException($"{where} holds more than {maxRecords} rows; split it into smaller files");
            }

            records.Add((startLine, fields.ToArray()));
        }

        return records;
    }

    // Reads a quoted field's content from just after its opening quote; returns the index after the closing quote.
    private static int Quoted(string text, int i, StringBuilder field, ref int line, string where, int startLine)
    {
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '"')
            {
                if (i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                    continue;
                }

                return i + 1;
            }

            line += c == '\n' ? 1 : 0;
            field.Append(c);
        }

        throw new TenniException($"line {startLine} of {where}: a quote opens a field that never closes");
    }
}
