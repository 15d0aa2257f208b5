namespace Tenni.Cli;

public static class Program
{
    public static int Main(string[] args) => TenniCommandLine.Run(args, Console.Out, Console.Error);
}
