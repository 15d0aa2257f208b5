using Tenni.IO;

namespace Tenni.Tests.IO;

public sealed class TextEscapingTests
{
    public static TheoryData<string> HostileNames => new()
    {
        "plain.jpg",
        "tab\there.jpg",
        "new\nline.jpg",
        "carriage\rreturn.jpg",
        "back\\slash\\n-not-a-newline.jpg",
        "\u001b[31mred\u001b[0m.jpg",
        "bell\u0007and\u007fdel.jpg",
        "c1\u0085\u009b.jpg",
        "bidi\u202egpj.exe",
        "日本語の名前.jpg",
        "\\",
        "trailing\\",
    };

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void ToListField_AnyName_OneFieldOnOneLineThatReadsBackExactly(string name)
    {
        string field = TextEscaping.ToListField(name);

        Assert.DoesNotContain(field, c => TextEscaping.IsControl(c));
        Assert.Equal(name, TextEscaping.FromListField(field));
    }

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void ForDisplay_AnyName_NoControlCharacterLeft(string name)
    {
        Assert.DoesNotContain(TextEscaping.ForDisplay(name), c => TextEscaping.IsControl(c));
    }

    [Theory]
    [InlineData(@"bad\q")]
    [InlineData(@"short\x4")]
    [InlineData(@"short\u12")]
    [InlineData(@"ends\")]
    public void FromListField_EscapeNeverWritten_ThrowsTenniException(string field)
    {
        Assert.Throws<TenniException>(() => TextEscaping.FromListField(field));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("cr\r", "\"cr\r\"")]
    [InlineData(" padded", "\" padded\"")]
    public void ForCsv_Rfc4180_QuotesWhatNeedsQuoting(string text, string expected)
    {
        Assert.Equal(expected, TextEscaping.ForCsv(text));
    }
}
