from wbtui.launch import main

main()
