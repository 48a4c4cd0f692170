from tuneup.cli import main

main()
