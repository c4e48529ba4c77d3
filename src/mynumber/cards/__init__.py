"""The Individual Number Card (マイナンバーカード): lifecycle, JPKI, PINs, identity confirmation."""
