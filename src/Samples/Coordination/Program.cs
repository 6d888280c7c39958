Console.WriteLine("Coordination sample: being written");
