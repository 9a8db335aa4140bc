"""Community tech teams (Tổ công nghệ số cộng đồng): who serves which commune, when."""
