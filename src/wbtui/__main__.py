from wbtui.cli import main

main()
